package io.sluice.cli;

import io.sluice.api.node.NodeStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Stops the agent (idempotent). Pods and their enforcement stay unless {@code --purge}, which
 * removes pods, programs, pinned maps, host routes and the store.
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
        if (!client.reachable()) {
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
}
