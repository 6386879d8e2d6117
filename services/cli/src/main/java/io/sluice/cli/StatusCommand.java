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

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * One line per component, as {@code cilium status} prints them, then the node's counts. With
 * {@code --wait}, first waits (a progress line naming what it waits for) until the agent answers
 * and every component is up, as {@code cilium status --wait} does. With {@code --kubeconfig},
 * Sluice on that cluster instead: its workloads as the API server reports them ({@link ClusterStatus}).
 */
@Command(name = "status", description = "Show the node's components and counts; with --kubeconfig, Sluice's on that cluster.")
class StatusCommand implements Callable<Integer> {
    /** Lines that describe the user's objects, not whether the node is up: --wait does not wait for them. */
    private static final java.util.Set<String> NOT_READINESS = java.util.Set.of("Envoy configs", "Envoy last NACK");
    @ParentCommand
    Sluice root;
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Option(names = "--wait", description = "Wait until the agent answers and every component is up.")
    boolean waitReady;
    @Option(names = "--wait-duration", defaultValue = "5m", description = "How long --wait waits, e.g. 90s, 5m (default ${DEFAULT-VALUE}).")
    String waitDuration;
    @Option(names = "--hubble-server", defaultValue = "${env:HUBBLE_SERVER:-localhost:4245}",
            description = "Hubble relay to ask for the flow counts (default ${DEFAULT-VALUE}).")
    String hubbleServer;
    @picocli.CommandLine.Mixin
    TlsOptions tlsOptions = new TlsOptions();
    @Option(names = "--kubeconfig", description = "A cluster's kubeconfig: the status of Sluice installed there.")
    java.nio.file.Path kubeconfig;
    @Option(names = {"-n", "--namespace"}, defaultValue = "kube-system", description = "Sluice's namespace on the cluster (default ${DEFAULT-VALUE}).")
    String namespace;

    @Override
    public Integer call() throws InterruptedException {
        if (kubeconfig != null) {
            return cluster();
        }
        NodeClient c = root.client();
        if (waitReady && !waitUntilReady(c, duration(waitDuration))) {
            return 1;
        }
        if (!c.reachable()) {
            System.out.println("Sluice:               down (no agent at " + c.base() + "; run 'sluice up')");
            hubble();
            return 1;
        }
        NodeStatus s = c.get("status", NodeStatus.class);
        // the node reports its observer and its relay; a relay the user names answers for both instead
        boolean askRelay = s.components().stream().noneMatch(comp -> comp.name().equals("Hubble Relay")) || hubbleServerGiven();
        for (NodeStatus.ComponentStatus comp : s.components()) {
            if (askRelay && (comp.name().equals("Hubble") || comp.name().equals("Hubble Relay"))) {
                continue;
            }
            System.out.printf("%-22s%s%s%n", comp.name() + ":", comp.state(), comp.detail().isEmpty() ? "" : "   " + comp.detail());
        }
        System.out.printf("%-22s%d%n%-22s%d%n%-22s%d%n%-22s%d%n", "Pods:", s.pods(), "Network policies:", s.policies(),
                "Services:", s.services(), "Identities:", s.identities());
        System.out.printf("%-22s%s (router %s), services %s%n", "Addressing:", s.podCidr(), s.router(), s.serviceCidr());
        System.out.printf("%-22s%d seen, %d drops%n", "Datapath events:", s.eventsSeen(), s.drops());
        if (askRelay) {
            hubble();
        }
        return 0;
    }

    private boolean hubbleServerGiven() {
        return spec.commandLine().getParseResult().hasMatchedOption("--hubble-server") || System.getenv("HUBBLE_SERVER") != null;
    }

    /** Sluice on a cluster: its components, then its workloads and their images; with --wait, once all are up. */
    private int cluster() throws InterruptedException {
        long deadline = System.nanoTime() + duration(waitDuration).toNanos();
        try (io.fabric8.kubernetes.client.KubernetesClient k = ClusterStatus.client(kubeconfig)) {
            while (true) {
                boolean late = System.nanoTime() > deadline;
                Map<String, ClusterStatus.Workload> workloads;
                Map<String, String> config;
                try {
                    workloads = ClusterStatus.workloads(k, namespace);
                    config = ClusterStatus.config(k, namespace);
                } catch (CliException e) {
                    if (!waitReady || late) {
                        System.out.print(waitReady ? waitingLine("") : "");
                        throw e;
                    }
                    // --wait: the API server may be on its way too
                    System.out.print(waitingLine("Waiting for: " + e.getMessage()));
                    Thread.sleep(1000);
                    continue;
                }
                var lines = ClusterStatus.components(workloads, config);
                String waiting = ClusterStatus.waitingFor(lines);
                if (waitReady && !waiting.isEmpty() && !late) {
                    System.out.print(waitingLine("Waiting for: " + waiting));
                    Thread.sleep(1000);
                    continue;
                }
                if (waitReady) {
                    System.out.print(waitingLine(""));
                }
                lines.forEach(l -> System.out.printf("%-22s%s%s%n", l.name() + ":", l.state(), l.detail().isEmpty() ? "" : "   " + l.detail()));
                workloads.values().forEach(w -> System.out.printf("%-22s%-18s%s%n", w.kind(), w.name(), w.counts()));
                workloads.values().forEach(w -> w.images().forEach((image, n) ->
                        System.out.printf("%-22s%-18s%s: %d%n", "Image versions", w.name(), image, n)));
                if (waitReady && !waiting.isEmpty()) {
                    System.err.println("Error: not ready after " + duration(waitDuration).toSeconds() + "s: " + waiting);
                }
                return waiting.isEmpty() ? 0 : 1;
            }
        }
    }

    /** Polls every second, rewriting one progress line; false (with what was not ready) when the time is up. */
    private static boolean waitUntilReady(NodeClient c, java.time.Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        String waiting = "";
        while (true) {
            waiting = notReady(c);
            if (waiting.isEmpty()) {
                System.out.print(waitingLine(""));
                return true;
            }
            if (System.nanoTime() > deadline) {
                System.out.println(waitingLine(""));
                System.err.println("Error: not ready after " + limit.toSeconds() + "s: " + waiting);
                return false;
            }
            System.out.print(waitingLine("Waiting for: " + waiting));
            Thread.sleep(1000);
        }
    }

    private static int lastWidth;

    /** The progress line, erasing what the previous one left. */
    private static String waitingLine(String text) {
        String out = "\r" + text + " ".repeat(Math.max(0, lastWidth - text.length())) + (text.isEmpty() ? "\r" : "");
        lastWidth = text.length();
        return out;
    }

    /** What is not ready yet, named with its state; empty when all is. */
    private static String notReady(NodeClient c) {
        if (!c.reachable()) {
            return "the agent (no answer at " + c.base() + ")";
        }
        return c.get("status", NodeStatus.class).components().stream()
                .filter(comp -> !NOT_READINESS.contains(comp.name()) && !java.util.Set.of("OK", "disabled", "True").contains(comp.state()))
                .map(comp -> comp.name() + " (" + comp.state() + ")").collect(java.util.stream.Collectors.joining(", "));
    }

    /** 90s, 5m, 1h, or a number of seconds. */
    static java.time.Duration duration(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]+)(ms|s|m|h)?").matcher(text.strip());
        if (!m.matches()) {
            throw new CliException("--wait-duration: '" + text + "' is not a duration such as 90s, 5m or 1h");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2) == null ? "s" : m.group(2)) {
            case "ms" -> java.time.Duration.ofMillis(n);
            case "m" -> java.time.Duration.ofMinutes(n);
            case "h" -> java.time.Duration.ofHours(n);
            default -> java.time.Duration.ofSeconds(n);
        };
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
