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
        return factory.create().setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof CliException c) {
                cmd.getErr().println("Error: " + c.getMessage());
                return c.exitCode();
            }
            throw ex;
        });
    }
}
