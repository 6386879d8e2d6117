package io.sluice.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/** {@code sluice envoy config-dump}: Envoy's configuration as its admin API reports it. */
@Command(name = "envoy", description = "Inspect the node's Envoy.", subcommands = EnvoyCommand.ConfigDump.class)
class EnvoyCommand {
    @ParentCommand
    Sluice root;

    @Command(name = "config-dump", description = "Print Envoy's config dump (JSON).")
    static class ConfigDump implements Callable<Integer> {
        @ParentCommand
        EnvoyCommand envoy;
        @Option(names = "--name-regex", defaultValue = "", description = "Only resources whose name matches (Envoy's name_regex).")
        String nameRegex;

        @Override
        public Integer call() {
            NodeClient c = envoy.root.client();
            var r = c.getRaw("envoy/config_dump" + (nameRegex.isEmpty() ? ""
                    : "?name_regex=" + URLEncoder.encode(nameRegex, StandardCharsets.UTF_8)));
            System.out.println(r);
            return 0;
        }
    }
}
