package io.sluice.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sluice config view}: the node's settings as {@code cilium config view} prints them, sorted
 * {@code key<TAB>value} lines; with {@code --kubeconfig}, those of Sluice on that cluster (its
 * ConfigMap sluice-config, which its components read).
 */
@Command(name = "config", description = "The node's settings.", subcommands = ConfigCommand.View.class)
class ConfigCommand {
    @ParentCommand
    Sluice root;

    @Command(name = "view", description = "Print the node's settings under Cilium's keys, one 'key<TAB>value' line each, sorted.")
    static class View implements Callable<Integer> {
        @ParentCommand
        ConfigCommand config;
        @picocli.CommandLine.Option(names = "--kubeconfig", description = "A cluster's kubeconfig: the settings of Sluice installed there.")
        java.nio.file.Path kubeconfig;
        @picocli.CommandLine.Option(names = {"-n", "--namespace"}, defaultValue = "kube-system",
                description = "Sluice's namespace on the cluster (default ${DEFAULT-VALUE}).")
        String namespace;

        @Override
        public Integer call() {
            Map<String, String> settings;
            if (kubeconfig != null) {
                try (var k = ClusterStatus.client(kubeconfig)) {
                    settings = ClusterStatus.config(k, namespace);
                }
                if (settings.isEmpty()) {
                    throw new CliException("no ConfigMap " + namespace + "/sluice-config: is Sluice installed there?");
                }
            } else {
                settings = config.root.client().get("config", new TypeReference<java.util.TreeMap<String, String>>() {});
            }
            settings.forEach((k, v) -> System.out.println(k + "\t" + v));
            return 0;
        }
    }
}
