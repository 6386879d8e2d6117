package io.sluice.cli;

import io.sluice.api.node.NodeStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

/** One line per component, as {@code cilium status} prints them, then the node's counts. */
@Command(name = "status", description = "Show the node's components and counts.")
class StatusCommand implements Callable<Integer> {
    @ParentCommand
    Sluice root;

    @Override
    public Integer call() {
        NodeClient c = root.client();
        if (!c.reachable()) {
            System.out.println("Sluice:               down (no agent at " + c.base() + "; run 'sluice up')");
            return 1;
        }
        NodeStatus s = c.get("status", NodeStatus.class);
        for (NodeStatus.ComponentStatus comp : s.components()) {
            System.out.printf("%-22s%s%s%n", comp.name() + ":", comp.state(), comp.detail().isEmpty() ? "" : "   " + comp.detail());
        }
        System.out.printf("%-22s%d%n%-22s%d%n%-22s%d%n%-22s%d%n", "Pods:", s.pods(), "Network policies:", s.policies(),
                "Services:", s.services(), "Identities:", s.identities());
        System.out.printf("%-22s%s (router %s), services %s%n", "Addressing:", s.podCidr(), s.router(), s.serviceCidr());
        System.out.printf("%-22s%d seen, %d drops%n", "Datapath events:", s.eventsSeen(), s.drops());
        return 0;
    }
}
