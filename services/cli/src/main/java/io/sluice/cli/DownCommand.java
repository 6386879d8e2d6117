package io.sluice.cli;

import io.sluice.api.node.NodeStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Files;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Stops the agent (idempotent). Pods and their enforcement stay unless {@code --purge}, which
 * removes pods, programs, pinned maps, host routes and the store. An agent that is gone is
 * started again first when it left something to stop or purge.
 */
@Command(name = "down", description = "Stop the standalone node (idempotent). Pods stay enforced unless --purge.")
class DownCommand implements Callable<Integer> {
    @ParentCommand
    Sluice root;
    @Option(names = "--purge", description = "Also remove every pod, program, pinned map and the store.")
    boolean purge;

    @Override
    public Integer call() throws Exception {
        NodeClient client = root.client();
        if (!client.reachable() && !startAgain(client)) {
            System.out.println("Sluice node is not running");
            return 0;
        }
        long pid = client.get("status", NodeStatus.class).agentPid();
        if (purge) {
            var r = client.post("purge", "text/plain", "");
            if (!r.ok()) {
                throw new CliException("purge failed: " + NodeClient.errorOf(r));
            }
        }
        ProcessHandle agent = ProcessHandle.of(pid).orElse(null);
        if (!purge) {
            client.post("shutdown", "text/plain", "");
        }
        if (agent != null) {
            agent.destroy();
            try {
                agent.onExit().get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                agent.destroyForcibly();
            }
        }
        System.out.println(purge ? "Sluice node stopped and purged" : "Sluice node stopped (pods stay, and stay enforced)");
        return 0;
    }

    /**
     * An agent that is gone (it crashed, or a plain {@code down} stopped it) left work for this
     * command: its helpers still run, or a purge was asked for and its pods, programs and pinned
     * maps are still there. It is started again from the command {@code sluice up} recorded, so
     * that it stops or purges them as it would have. False when there is nothing to do, or no
     * recorded command (a node that was never started with this CLI, a Kubernetes node's pod).
     */
    private boolean startAgain(NodeClient client) throws Exception {
        if (RootOnly.self() != 0) {
            return false;
        }
        var launch = AgentLaunch.recorded(client.socket()).orElse(null);
        if (launch == null || !Files.isDirectory(launch.stateDir())) {
            return false;
        }
        boolean leftWork = launch.helpersRunning() || purge && Files.exists(launch.stateDir().resolve("state.json"));
        if (!leftWork) {
            return false;
        }
        Process p = launch.start(client.socket());
        launch.awaitReady(client, p, "Sluice node's agent is not running; starting it again to " + (purge ? "purge" : "stop")
                + " what it left", 120);
        return true;
    }
}
