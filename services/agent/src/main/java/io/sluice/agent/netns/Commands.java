package io.sluice.agent.netns;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs host commands (ip, sysctl) to completion, failing with their output. */
public final class Commands {
    private Commands() {}

    /** Runs the command; throws {@link CommandException} on a non-zero exit. Returns stdout+stderr. */
    public static String run(String... command) {
        List<String> cmd = List.of(command);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new CommandException(cmd, -1, "timed out");
            }
            if (p.exitValue() != 0) {
                throw new CommandException(cmd, p.exitValue(), out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("run " + String.join(" ", cmd), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + cmd, e);
        }
    }

    /** Like {@link #run} but a failure is ignored (for idempotent clean-up). */
    public static boolean tryRun(String... command) {
        try {
            run(command);
            return true;
        } catch (CommandException e) {
            return false;
        }
    }
}
