package io.sluice.agent.dns;

import io.sluice.agent.proc.ManagedProcess;
import io.sluice.agent.proc.NodeUser;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The cluster DNS process, started from the agent's own class path, as the node's account with only CAP_NET_BIND_SERVICE. */
public record DnsProcess(Path stateDir, String address, int port, NodeUser user) {

    public ZoneFile zone() {
        return new ZoneFile(stateDir.resolve("dns-zone.json"));
    }

    public ManagedProcess process() {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ManagedProcess("dns", stateDir, user.confine(List.of(java, "-XX:+UseSerialGC", "-Xmx24m", "-Xss256k",
                "-XX:TieredStopAtLevel=1", "-Dslf4j.provider=org.slf4j.helpers.NOPServiceProvider", "-cp", classPath(),
                DnsMain.class.getName(), address, Integer.toString(port), zone().path().toString()), NodeUser.DNS_CAPS));
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
