package io.sluice.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

/** Deletes the objects a manifest names. */
@Command(name = "delete", description = "Delete the objects named in a file or - (stdin).")
class DeleteCommand implements Callable<Integer> {
    @ParentCommand
    Sluice root;
    @Option(names = {"-f", "--filename"}, required = true, description = "File, or - for standard input.")
    String file;

    @Override
    public Integer call() {
        return ApplyCommand.send(root.client(), "delete", ApplyCommand.read(file));
    }
}
