package io.sluice.agent.proc;

import io.sluice.agent.netns.PodNetwork;
import io.sluice.api.proc.ProcessRef;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A process started in its own session with output to a log file, so it outlives the agent
 * (pods' processes, the cluster DNS); a restarted agent finds it again by pid and start time.
 */
public record DetachedProcess(long pid, long startTicks) {

    /** Starts a pod's first process, argv, inside its network and with its host name. */
    public static DetachedProcess start(PodNetwork net, String hostname, List<String> argv, Path log) {
        return start(net.firstProcess(hostname, argv), log);
    }

    public static DetachedProcess start(List<String> argv, Path log) {
        List<String> cmd = new ArrayList<>(List.of("setsid"));
        cmd.addAll(argv);
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            return new DetachedProcess(p.pid(), ProcessRef.startTicks(p.pid()).orElse(0L));
        } catch (IOException e) {
            throw new UncheckedIOException("start " + String.join(" ", argv), e);
        }
    }

    /** Whether this very process (not a later one that reused the pid) still runs. */
    public boolean alive() {
        return new ProcessRef(pid, startTicks).alive();
    }

    /** SIGTERM, then SIGKILL after a grace period. Idempotent. */
    public void stop(Duration grace) {
        if (!alive()) {
            return;
        }
        ProcessHandle h = ProcessHandle.of(pid).orElseThrow();
        h.descendants().forEach(ProcessHandle::destroy);
        h.destroy();
        try {
            h.onExit().get(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            h.descendants().forEach(ProcessHandle::destroyForcibly);
            h.destroyForcibly();
        }
    }
}
