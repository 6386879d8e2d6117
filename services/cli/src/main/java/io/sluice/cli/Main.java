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
        // picocli otherwise looks for Groovy's Closure class, which is not there: a miss that opens
        // every jar on the class path (50 ms of a run)
        System.setProperty("picocli.disable.closures", "true");
        int code = commandLine(Sluice.commands(args)).execute(args);
        System.out.flush();
        System.err.flush();
        // System.exit first asks for a System.Logger to log the exit, and finding its provider opens
        // every jar on the class path (50 ms). No command leaves work for shutdown hooks once it has
        // returned (observe's hook is for Ctrl-C, which ends the JVM the usual way).
        Runtime.getRuntime().halt(code);
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
