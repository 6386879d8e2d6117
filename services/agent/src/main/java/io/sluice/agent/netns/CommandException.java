package io.sluice.agent.netns;

import java.util.List;

/** A host command failed: the command line, its exit code and what it printed. */
public class CommandException extends RuntimeException {
    public CommandException(List<String> command, int exit, String output) {
        super(String.join(" ", command) + " exited " + exit + (output.isBlank() ? "" : ": " + output.strip()));
    }
}
