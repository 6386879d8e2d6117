package io.sluice.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.util.Map;
import java.util.concurrent.Callable;

/** {@code sluice config view}: the node's settings as {@code cilium config view} prints them, sorted {@code key<TAB>value} lines. */
@Command(name = "config", description = "The node's settings.", subcommands = ConfigCommand.View.class)
class ConfigCommand {
    @ParentCommand
    Sluice root;

    @Command(name = "view", description = "Print the node's settings under Cilium's keys, one 'key<TAB>value' line each, sorted.")
    static class View implements Callable<Integer> {
        @ParentCommand
        ConfigCommand config;

        @Override
        public Integer call() {
            Map<String, String> settings = config.root.client().get("config", new TypeReference<java.util.TreeMap<String, String>>() {});
            settings.forEach((k, v) -> System.out.println(k + "\t" + v));
            return 0;
        }
    }
}
