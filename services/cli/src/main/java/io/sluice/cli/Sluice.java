package io.sluice.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;

/** {@code sluice}: the node's command line. */
@TopCommand
@Command(name = "sluice", mixinStandardHelpOptions = true, version = "sluice 0.1.0",
        description = "L7 traffic management, network policy and flow observability.")
public class Sluice {
    /**
     * The commands, in the order help lists them. They are added to the command line, not named
     * in the annotation: picocli reads every added command's options when it is added, and a run
     * needs only its own ({@link #commands}).
     */
    static final List<Class<?>> COMMANDS = List.of(UpCommand.class, DownCommand.class, PodCommand.class, ExecCommand.class,
            ApplyCommand.class, DeleteCommand.class, GetCommand.class, StatusCommand.class, ConfigCommand.class,
            MonitorCommand.class, ObserveCommand.class, EnvoyCommand.class, DemoCommand.class, CompletionCommand.class);

    /**
     * The command the arguments name (the first one that is not an option or --node's value); all when none does.
     * A command's class is named after it ({@code get} is {@code GetCommand}, {@link #nameOf}), so finding it
     * parses no annotation: picocli parses the one it runs.
     */
    static List<Class<?>> commands(String... args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--node")) {
                i++;
            } else if (!args[i].startsWith("-")) {
                String name = args[i];
                return COMMANDS.stream().filter(c -> nameOf(c).equals(name)).findFirst()
                        .<List<Class<?>>>map(List::of).orElse(COMMANDS);
            }
        }
        return COMMANDS;
    }

    /** {@code GetCommand} -> {@code get}: the name its {@code @Command} gives it (SluiceTest checks each). */
    static String nameOf(Class<?> command) {
        return command.getSimpleName().replaceFirst("Command$", "").toLowerCase(Locale.ROOT);
    }

    @Option(names = "--node", scope = CommandLine.ScopeType.INHERIT, description = "The node's API socket, root only"
            + " (env SLUICE_NODE; default " + NodeClient.DEFAULT + ", or api.sock in 'up --state-dir').",
            defaultValue = "${env:SLUICE_NODE}")
    String node;

    NodeClient client() {
        return new NodeClient(node != null ? node : NodeClient.DEFAULT);
    }
}
