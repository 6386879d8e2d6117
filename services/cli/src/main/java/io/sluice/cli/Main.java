package io.sluice.cli;

import picocli.CommandLine;

/**
 * The CLI's entry point as {@code bin/sluice} runs it: the same picocli commands, without
 * booting the Quarkus runtime around them. A command reads a little JSON from a unix socket and
 * prints it; the runtime's start (CDI, configuration, logging) would be most of its time. No
 * command injects anything, so both entry points run the same code; the packaged Quarkus
 * application ({@code java -jar quarkus-run.jar}) stays as it was.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        // as the packaged application's quarkus.log.level: the libraries' warnings and errors only
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        CommandLine commandLine = configure(new CommandLine(new Sluice()));
        Sluice.commands(args).forEach(commandLine::addSubcommand);
        System.exit(commandLine.execute(args));
    }

    /** A {@link CliException} prints as {@code Error: message} and exits with its code. */
    static CommandLine configure(CommandLine commandLine) {
        return commandLine.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof CliException c) {
                cmd.getErr().println("Error: " + c.getMessage());
                return c.exitCode();
            }
            throw ex;
        });
    }
}
