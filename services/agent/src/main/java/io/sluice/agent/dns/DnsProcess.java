package io.sluice.agent.dns;

import io.sluice.agent.netns.DetachedProcess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Keeps the cluster DNS process running: {@link #ensure} reuses the one a previous agent
 * started (pid file plus start time) or starts a new one from the agent's own class path.
 */
public record DnsProcess(Path stateDir, String address, int port) {

    public ZoneFile zone() {
        return new ZoneFile(stateDir.resolve("dns-zone.json"));
    }

    /** Idempotent; returns the running process. */
    public DetachedProcess ensure() {
        DetachedProcess running = current();
        if (running.alive()) {
            return running;
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        DetachedProcess p = DetachedProcess.start(List.of(java, "-XX:+UseSerialGC", "-Xmx24m", "-Xss256k",
                "-XX:TieredStopAtLevel=1", "-Dslf4j.provider=org.slf4j.helpers.NOPServiceProvider", "-cp", classPath(), DnsMain.class.getName(), address, Integer.toString(port),
                zone().path().toString()), stateDir.resolve("dns.log"));
        try {
            Files.writeString(pidFile(), p.pid() + " " + p.startTicks());
        } catch (IOException e) {
            throw new UncheckedIOException("write " + pidFile(), e);
        }
        return p;
    }

    public boolean running() {
        return current().alive();
    }

    public void stop() {
        current().stop(Duration.ofSeconds(2));
    }

    private DetachedProcess current() {
        try {
            String[] f = Files.exists(pidFile()) ? Files.readString(pidFile()).strip().split(" ") : new String[0];
            return f.length == 2 ? new DetachedProcess(Long.parseLong(f[0]), Long.parseLong(f[1])) : new DetachedProcess(0, 0);
        } catch (IOException | NumberFormatException e) {
            return new DetachedProcess(0, 0);
        }
    }

    private Path pidFile() {
        return stateDir.resolve("dns.pid");
    }

    /**
     * The agent's classes and libraries: in the packaged layout (quarkus-app/app/*.jar beside
     * quarkus-app/lib/main/) both directories, else the directory or jar this class came from.
     */
    static String classPath() {
        try {
            Path here = Path.of(DnsMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path app = here.getParent();
            Path libMain = app.resolveSibling("lib").resolve("main");
            if (Files.isDirectory(libMain)) {
                return app + "/*:" + libMain + "/*";
            }
            return System.getProperty("java.class.path") + ":" + here;
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
