package io.sluice.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/**
 * {@code sluice completion bash|zsh}: the shell's completion script for every command and option,
 * as picocli generates it; zsh loads the same script through its bash compatibility
 * ({@code bashcompinit}), which the script turns on.
 */
@Command(name = "completion", description = "Print the shell completion script: source <(sluice completion bash), or zsh.")
class CompletionCommand implements Callable<Integer> {
    @Parameters(paramLabel = "SHELL", description = "bash or zsh.")
    String shell;

    @Override
    public Integer call() {
        if (!shell.equals("bash") && !shell.equals("zsh")) {
            throw new CliException("completion: '" + shell + "' is not a shell this can complete for (bash, zsh)");
        }
        System.out.print(script());
        return 0;
    }

    /** The script for the whole command line, every command added (a run adds only its own). */
    static String script() {
        return AutoComplete.bash("sluice", Main.commandLine(Sluice.COMMANDS));
    }
}
