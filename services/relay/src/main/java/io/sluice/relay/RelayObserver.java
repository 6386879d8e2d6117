package io.sluice.relay;

import com.google.protobuf.UInt32Value;
import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.sluice.api.grpc.MutinyCalls;
import io.sluice.api.hubble.HubbleNames;
import io.sluice.api.hubble.HubbleServer;
import io.sluice.api.hubble.HubbleStreams;
import io.sluice.api.hubble.observer.GetAgentEventsResponse;
import io.sluice.api.hubble.observer.GetDebugEventsResponse;
import io.sluice.api.hubble.observer.GetFlowsRequest;
import io.sluice.api.hubble.observer.GetFlowsResponse;
import io.sluice.api.hubble.observer.GetNamespacesRequest;
import io.sluice.api.hubble.observer.GetNamespacesResponse;
import io.sluice.api.hubble.observer.GetNodesRequest;
import io.sluice.api.hubble.observer.GetNodesResponse;
import io.sluice.api.hubble.observer.Namespace;
import io.sluice.api.hubble.observer.Node;
import io.sluice.api.hubble.observer.ObserverGrpc;
import io.sluice.api.hubble.observer.ServerStatusRequest;
import io.sluice.api.hubble.observer.ServerStatusResponse;
import io.sluice.api.hubble.relay.NodeState;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Hubble's Observer API across the nodes {@link Peers} knows, served by quarkus-grpc (4245): each
 * method a Mutiny pipeline ({@link MutinyCalls}), every answer with the header
 * {@code hubble-relay-version}. The unary calls ask all nodes at once ({@link NodeAnswers});
 * GetFlows streams the nodes' merged flows at the pace of the client.
 */
@GrpcService
public class RelayObserver implements BindableService {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    static final String VERSION_HEADER = "hubble-relay-version";
    private final Supplier<Peers> peers;
    private final int sortCapacity;
    private final long sortTimeoutMillis;
    private final long startNanos = System.nanoTime();

    @Inject
    RelayObserver(RelayRuntime runtime, RelayConfig config) {
        this(runtime::peers, config.sortBuffer(), config.sortTimeoutMs());
    }

    /** {@code peers}: the nodes, or null while the relay starts (none known yet). */
    RelayObserver(Supplier<Peers> peers, int sortCapacity, long sortTimeoutMillis) {
        this.peers = peers;
        this.sortCapacity = sortCapacity;
        this.sortTimeoutMillis = sortTimeoutMillis;
    }

    @Override
    public ServerServiceDefinition bindService() {
        Multi<GetAgentEventsResponse> noAgentEvents = Multi.createFrom().failure(Status.UNIMPLEMENTED
                .withDescription("the relay does not forward agent events").asRuntimeException());
        Multi<GetDebugEventsResponse> noDebugEvents = Multi.createFrom().failure(Status.UNIMPLEMENTED
                .withDescription("the relay does not forward debug events").asRuntimeException());
        return ServerInterceptors.intercept(ServerServiceDefinition.builder(ObserverGrpc.getServiceDescriptor())
                .addMethod(ObserverGrpc.getGetFlowsMethod(), MutinyCalls.serverStreaming(this::getFlows))
                .addMethod(ObserverGrpc.getServerStatusMethod(), MutinyCalls.unary(this::serverStatus))
                .addMethod(ObserverGrpc.getGetNodesMethod(), MutinyCalls.unary(this::getNodes))
                .addMethod(ObserverGrpc.getGetNamespacesMethod(), MutinyCalls.unary(this::getNamespaces))
                .addMethod(ObserverGrpc.getGetAgentEventsMethod(), MutinyCalls.serverStreaming(r -> noAgentEvents))
                .addMethod(ObserverGrpc.getGetDebugEventsMethod(), MutinyCalls.serverStreaming(r -> noDebugEvents))
                .build(), HubbleServer.responseHeader(VERSION_HEADER, HubbleNames.VERSION));
    }

    private List<Peers.Peer> nodes() {
        Peers known = peers.get();
        return known == null ? List.of() : List.copyOf(known.all());
    }

    /**
     * The nodes' flows merged by time ({@link FlowMerge}, on a virtual thread of its own, which
     * waits while the client reads nothing). A request the nodes refuse (a bad filter) is refused
     * with their status.
     */
    Multi<GetFlowsResponse> getFlows(GetFlowsRequest req) {
        List<Peers.Peer> nodes = nodes();
        if (nodes.isEmpty()) {
            return Multi.createFrom().failure(Status.UNAVAILABLE
                    .withDescription("no nodes known to the relay yet (peer service unreachable?)").asRuntimeException());
        }
        // the nodes' calls end with the client's: cancelled when the Multi ends
        Context.CancellableContext ctx = Context.current().withCancellation();
        List<FlowMerge.Upstream> upstreams = nodes.stream().map(p -> upstream(p, ctx)).toList();
        return HubbleStreams.flows("relay-get-flows",
                sink -> new FlowMerge(upstreams, sortCapacity, sortTimeoutMillis).run(req, sink), () -> ctx.cancel(null));
    }

    /** One node's flows, read within {@code ctx} (cancelled when the client leaves). */
    private static FlowMerge.Upstream upstream(Peers.Peer p, Context.CancellableContext ctx) {
        return new FlowMerge.Upstream() {
            @Override
            public String name() {
                return p.name();
            }

            @Override
            public void stream(GetFlowsRequest r, Consumer<GetFlowsResponse> sink) throws InterruptedException {
                p.awaitReady(CONNECT_TIMEOUT);
                ctx.run(() -> {
                    Iterator<GetFlowsResponse> it = ObserverGrpc.newBlockingStub(p.channel()).getFlows(r);
                    while (it.hasNext()) {
                        GetFlowsResponse resp = it.next();
                        sink.accept(resp.getNodeName().isEmpty() ? resp.toBuilder().setNodeName(p.name()).build() : resp);
                    }
                });
            }
        };
    }

    Uni<ServerStatusResponse> serverStatus(ServerStatusRequest req) {
        return NodeAnswers.<ServerStatusResponse>ask(peers.get(), (stub, out) -> stub.serverStatus(req, out)).map(answers -> {
            long num = 0, max = 0, seen = 0;
            double rate = 0;
            int connected = 0;
            List<String> unavailable = new ArrayList<>();
            for (NodeAnswers.Answer<ServerStatusResponse> a : answers) {
                switch (a) {
                    case NodeAnswers.Answered<ServerStatusResponse>(Peers.Peer p, ServerStatusResponse s) -> {
                        num += s.getNumFlows();
                        max += s.getMaxFlows();
                        seen += s.getSeenFlows();
                        rate += s.getFlowsRate();
                        connected++;
                    }
                    case NodeAnswers.Failed<ServerStatusResponse>(Peers.Peer p, NodeState state) -> unavailable.add(p.name());
                }
            }
            return ServerStatusResponse.newBuilder().setNumFlows(num).setMaxFlows(max).setSeenFlows(seen)
                    .setUptimeNs(System.nanoTime() - startNanos).setFlowsRate(rate).setVersion(HubbleNames.VERSION)
                    .setNumConnectedNodes(UInt32Value.of(connected)).setNumUnavailableNodes(UInt32Value.of(unavailable.size()))
                    .addAllUnavailableNodes(unavailable).build();
        });
    }

    Uni<GetNodesResponse> getNodes(GetNodesRequest req) {
        return NodeAnswers.<ServerStatusResponse>ask(peers.get(), (stub, out) -> stub.serverStatus(ServerStatusRequest.getDefaultInstance(), out)).map(answers -> {
            var b = GetNodesResponse.newBuilder();
            for (NodeAnswers.Answer<ServerStatusResponse> a : answers) {
                Peers.Peer p = a.peer();
                Node.Builder n = Node.newBuilder().setName(p.name()).setAddress(p.address())
                        .setTls(io.sluice.api.hubble.observer.TLS.newBuilder().setEnabled(!p.tlsServerName().isEmpty())
                                .setServerName(p.tlsServerName()));
                switch (a) {
                    case NodeAnswers.Answered<ServerStatusResponse>(Peers.Peer q, ServerStatusResponse s) -> n.setState(NodeState.NODE_CONNECTED)
                            .setVersion(s.getVersion()).setUptimeNs(s.getUptimeNs())
                            .setNumFlows(s.getNumFlows()).setMaxFlows(s.getMaxFlows()).setSeenFlows(s.getSeenFlows());
                    case NodeAnswers.Failed<ServerStatusResponse>(Peers.Peer q, NodeState state) -> n.setState(state);
                }
                b.addNodes(n);
            }
            return b.build();
        });
    }

    Uni<GetNamespacesResponse> getNamespaces(GetNamespacesRequest req) {
        return NodeAnswers.<GetNamespacesResponse>ask(peers.get(), (stub, out) -> stub.getNamespaces(req, out)).map(answers -> {
            TreeSet<String> all = new TreeSet<>();
            for (NodeAnswers.Answer<GetNamespacesResponse> a : answers) {
                // an unavailable node adds nothing; GetNodes and ServerStatus report it
                if (a instanceof NodeAnswers.Answered<GetNamespacesResponse>(Peers.Peer p, GetNamespacesResponse r)) {
                    r.getNamespacesList().forEach(ns -> all.add(ns.getNamespace()));
                }
            }
            var b = GetNamespacesResponse.newBuilder();
            all.forEach(ns -> b.addNamespaces(Namespace.newBuilder().setNamespace(ns)));
            return b.build();
        });
    }
}
