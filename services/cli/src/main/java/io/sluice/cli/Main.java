package io.sluice.cli;

import picocli.CommandLine;

import java.util.List;

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
        System.exit(commandLine(Sluice.commands(args)).execute(args));
    }

    /** The command line with these commands of {@link Sluice#COMMANDS} added. */
    static CommandLine commandLine(List<Class<?>> commands) {
        CommandLine commandLine = configure(new CommandLine(new Sluice()));
        commands.forEach(commandLine::addSubcommand);
        return commandLine;
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
