package io.sluice.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice}: the node's command line. */
@TopCommand
@Command(name = "sluice", mixinStandardHelpOptions = true, version = "sluice 0.1.0",
        description = "L7 traffic management, network policy and flow observability.",
        subcommands = {UpCommand.class, DownCommand.class, PodCommand.class, ExecCommand.class, ApplyCommand.class,
                DeleteCommand.class, GetCommand.class, StatusCommand.class, ConfigCommand.class, MonitorCommand.class, ObserveCommand.class, EnvoyCommand.class, DemoCommand.class})
public class Sluice {
    @Option(names = "--node", scope = CommandLine.ScopeType.INHERIT, description = "The node's API socket, root only"
            + " (env SLUICE_NODE; default " + NodeClient.DEFAULT + ", or api.sock in 'up --state-dir').",
            defaultValue = "${env:SLUICE_NODE}")
    String node;

    NodeClient client() {
        return new NodeClient(node != null ? node : NodeClient.DEFAULT);
    }
}
