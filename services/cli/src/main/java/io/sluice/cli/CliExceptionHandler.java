package io.sluice.cli;

import io.quarkus.picocli.runtime.PicocliCommandLineFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import picocli.CommandLine;

/** Prints a {@link CliException} as {@code Error: message} and exits with its code. */
@ApplicationScoped
class CliExceptionHandler {
    @Produces
    CommandLine commandLine(PicocliCommandLineFactory factory) {
        CommandLine commandLine = Main.configure(factory.create());
        Sluice.COMMANDS.forEach(commandLine::addSubcommand);
        return commandLine;
    }
}
