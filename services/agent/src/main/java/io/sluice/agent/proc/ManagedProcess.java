package io.sluice.agent.proc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A node process the agent keeps running: {@link #ensure} reuses the one a previous agent
 * started (pid file {@code NAME.pid} with its start time) or starts it, logging to
 * {@code NAME.log}. Safe to call from a supervision loop.
 */
public record ManagedProcess(String name, Path stateDir, List<String> command) {
    public ManagedProcess {
        command = List.copyOf(command);
    }

    /** Idempotent; returns true when it had to (re)start the process. */
    public boolean ensure() {
        if (current().alive()) {
            return false;
        }
        DetachedProcess p = DetachedProcess.start(command, stateDir.resolve(name + ".log"));
        try {
            // Whole or not at all: a reader (the supervisor, sluice down) never sees an empty pid file.
            Path tmp = stateDir.resolve(name + ".pid.tmp");
            Files.writeString(tmp, p.pid() + " " + p.startTicks());
            Files.move(tmp, pidFile(), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("write " + pidFile(), e);
        }
        return true;
    }

    public boolean running() {
        return current().alive();
    }

    public long pid() {
        return current().pid();
    }

    public void stop() {
        current().stop(Duration.ofSeconds(3));
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
        return stateDir.resolve(name + ".pid");
    }
}
