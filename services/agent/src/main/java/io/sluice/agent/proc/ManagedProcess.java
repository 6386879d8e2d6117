package io.sluice.agent.proc;

import io.sluice.api.proc.ProcessRef;

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
            Files.writeString(tmp, new ProcessRef(p.pid(), p.startTicks()).text());
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
        ProcessRef r = ProcessRef.read(pidFile());
        return new DetachedProcess(r.pid(), r.startTicks());
    }

    private Path pidFile() {
        return stateDir.resolve(name + ".pid");
    }
}
