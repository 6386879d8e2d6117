package io.sluice.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.sluice.api.hubble.HubbleChannels;
import io.sluice.api.hubble.observer.GetNodesRequest;
import io.sluice.api.hubble.observer.ObserverGrpc;
import io.sluice.api.hubble.observer.ServerStatusRequest;
import io.sluice.api.hubble.observer.ServerStatusResponse;
import io.sluice.api.hubble.relay.NodeState;
import io.sluice.api.node.NodeStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** One line per component, as {@code cilium status} prints them, then the node's counts. */
@Command(name = "status", description = "Show the node's components and counts.")
class StatusCommand implements Callable<Integer> {
    @ParentCommand
    Sluice root;
    @Option(names = "--hubble-server", defaultValue = "${env:HUBBLE_SERVER:-localhost:4245}",
            description = "Hubble relay to ask for the flow counts (default ${DEFAULT-VALUE}).")
    String hubbleServer;
    @picocli.CommandLine.Mixin
    TlsOptions tlsOptions = new TlsOptions();

    @Override
    public Integer call() {
        NodeClient c = root.client();
        if (!c.reachable()) {
            System.out.println("Sluice:               down (no agent at " + c.base() + "; run 'sluice up')");
            hubble();
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
        hubble();
        return 0;
    }

    /** Nodes the relay reaches but TLS refused (NODE_ERROR): not down, and not to be trusted. */
    private static void nodeErrors(ManagedChannel ch) {
        ObserverGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS).getNodes(GetNodesRequest.getDefaultInstance())
                .getNodesList().stream().filter(n -> n.getState() == NodeState.NODE_ERROR)
                .forEach(n -> System.out.printf("%-22s%s at %s: ERROR, TLS refused the connection: the node's certificate is not"
                        + " signed by the node CA the relay trusts, or the node refused the relay's (the relay's log says which)%n",
                        "Node error:", n.getName(), n.getAddress()));
    }

    /** Hubble's status, as {@code hubble status} reports it: health, then the relay's flow counts. */
    private void hubble() {
        ManagedChannel ch;
        try {
            ch = HubbleChannels.open(tlsOptions.target(hubbleServer), tlsOptions.tls(hubbleServer));
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            System.out.printf("%-22s%s%n", "Hubble Relay:", e.getMessage());
            return;
        }
        try {
            var health = HealthGrpc.newBlockingStub(ch).withDeadlineAfter(3, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService("hubble.server.Observer").build());
            ServerStatusResponse st = ObserverGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .serverStatus(ServerStatusRequest.getDefaultInstance());
            System.out.printf("%-22s%s   %s%n", "Hubble Relay:", health.getStatus() == HealthCheckResponse.ServingStatus.SERVING
                    ? "OK" : health.getStatus().name(), hubbleServer);
            System.out.printf("%-22sCurrent/Max Flows: %,d/%,d (%.2f%%), Flows/s: %.2f, Connected Nodes: %d/%d%n", "Hubble:",
                    st.getNumFlows(), st.getMaxFlows(), st.getMaxFlows() == 0 ? 0.0 : 100.0 * st.getNumFlows() / st.getMaxFlows(),
                    st.getFlowsRate(), st.getNumConnectedNodes().getValue(),
                    st.getNumConnectedNodes().getValue() + st.getNumUnavailableNodes().getValue());
            if (st.getUnavailableNodesCount() > 0) {
                System.out.printf("%-22s%s%n", "Unavailable nodes:", String.join(", ", st.getUnavailableNodesList()));
                nodeErrors(ch);
            }
        } catch (StatusRuntimeException e) {
            System.out.printf("%-22sdown   %s: %s%n", "Hubble Relay:", hubbleServer, e.getStatus().getCode());
        } finally {
            ch.shutdownNow();
        }
    }
}
