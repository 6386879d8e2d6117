package io.sluice.api.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One process by pid and start time (clock ticks since boot), so that a later process that got the
 * same pid is not taken for it. A pid file holds {@link #text}: {@code "PID TICKS"}.
 */
public record ProcessRef(long pid, long startTicks) {
    public static final ProcessRef NONE = new ProcessRef(0, 0);

    /** Whether this very process still runs. */
    public boolean alive() {
        return pid > 0 && startTicks(pid).map(t -> t == startTicks).orElse(false)
                && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    public String text() {
        return pid + " " + startTicks;
    }

    /** The process a pid file names; {@link #NONE} when the file is missing or not {@code "PID TICKS"}. */
    public static ProcessRef read(Path pidFile) {
        try {
            String[] f = Files.exists(pidFile) ? Files.readString(pidFile).strip().split(" ") : new String[0];
            return f.length == 2 ? new ProcessRef(Long.parseLong(f[0]), Long.parseLong(f[1])) : NONE;
        } catch (IOException | NumberFormatException e) {
            return NONE;
        }
    }

    /** Field 22 of /proc/PID/stat: the start time in clock ticks since boot; empty when no such process. */
    public static Optional<Long> startTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Optional.of(Long.parseLong(f[19]));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
