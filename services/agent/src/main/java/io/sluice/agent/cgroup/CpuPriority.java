package io.sluice.agent.cgroup;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The CPU priority of the agent's background work (turning Envoy's access logs into Hubble
 * flows): {@link Idle}, a cgroup of the CPU controller with {@code cpu.idle} set, whose threads
 * run only when no workload, proxy or other agent thread wants that CPU; or {@link Normal},
 * with the reason it could not be had.
 *
 * <p>Why: such work arrives in batches (Envoy sends its access log every 16 KiB), and at normal
 * priority a batch held a CPU for up to 1.4 ms while proxied requests waited behind it. Each
 * process here is its own session, so its own scheduling group ("autogroup"): a thread's nice
 * value or {@code SCHED_IDLE} only ranks it among its own process's threads, and a cgroup is
 * what ranks it against other processes. Needs cgroup v1's CPU controller (cgroup v2 would need
 * a threaded subtree; left at normal priority there). On a CPU that stays saturated the work
 * waits: flows come later, and Envoy drops access-log entries its buffer cannot hold (its
 * {@code access_logs.grpc_access_log.logs_dropped} counter).
 *
 * <p>Thread-safe; {@link #join()} and {@link #remove()} never throw, they log.
 */
public sealed interface CpuPriority {
    /** Threads that join run under {@code cgroup}'s {@code cpu.idle}. */
    record Idle(Path cgroup) implements CpuPriority {
        private static final Logger LOG = Logger.getLogger(CpuPriority.class);

        @Override
        public void join() {
            try {
                // "/proc/thread-self" links to "<pid>/task/<tid>".
                String tid = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
                Files.writeString(cgroup.resolve("tasks"), tid);
            } catch (IOException e) {
                LOG.warnf("thread %s stays at normal CPU priority: %s", Thread.currentThread().getName(), e.getMessage());
            }
        }

        /**
         * A thread that has just ended can still be in the group for a moment, so this tries
         * for up to a second; a group still in use after that is left, and logged.
         */
        @Override
        public void remove() {
            for (int attempt = 0; attempt <= 20; attempt++) {
                try {
                    Files.deleteIfExists(cgroup);
                    return;
                } catch (IOException e) {
                    if (attempt == 20) {
                        LOG.warnf("cgroup %s left in place: %s", cgroup, e.getMessage());
                    }
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** No group could be had; threads keep their priority. */
    record Normal(String reason) implements CpuPriority {
        @Override
        public void join() {}

        @Override
        public void remove() {}
    }

    /**
     * The idle group {@code name} under the agent's own cgroup (made if missing), or Normal
     * with why not.
     */
    static CpuPriority idleGroup(String name) {
        try {
            Optional<Path> own = CpuCgroups.ownDirectory(Files.readAllLines(Path.of("/proc/self/mountinfo")),
                    Files.readAllLines(Path.of("/proc/self/cgroup")));
            if (own.isEmpty()) {
                return new Normal("no cgroup v1 cpu controller mounted");
            }
            Path dir = own.get().resolve(name);
            Files.createDirectories(dir);
            Path idle = dir.resolve("cpu.idle");
            if (!Files.exists(idle)) {
                return new Normal("the kernel has no cpu.idle (" + idle + ")");
            }
            Files.writeString(idle, "1");
            return new Idle(dir);
        } catch (IOException | RuntimeException e) {
            return new Normal("cannot set up " + name + ": " + e.getMessage());
        }
    }

    /** Moves the calling thread into the group. */
    void join();

    /** Removes the group (after its threads have ended). */
    void remove();

    /** For {@code sluice status}. */
    default String describe() {
        return switch (this) {
            case Idle i -> "idle CPU priority (cgroup " + i.cgroup() + ")";
            case Normal n -> "normal CPU priority: " + n.reason();
        };
    }
}
