package io.sluice.relay;

import com.google.protobuf.UInt32Value;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.sluice.api.hubble.HubbleNames;
import io.sluice.api.hubble.HubbleStreams;
import io.sluice.api.hubble.observer.GetAgentEventsRequest;
import io.sluice.api.hubble.observer.GetAgentEventsResponse;
import io.sluice.api.hubble.observer.GetDebugEventsRequest;
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

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** Hubble's Observer API across the nodes {@link Peers} knows. */
final class RelayObserver extends ObserverGrpc.ObserverImplBase {
    private static final long PEER_DEADLINE_SECONDS = 3;
    private static final java.time.Duration CONNECT_TIMEOUT = java.time.Duration.ofSeconds(2);
    private final Peers peers;
    private final int sortCapacity;
    private final long sortTimeoutMillis;
    private final long startNanos = System.nanoTime();

    RelayObserver(Peers peers, int sortCapacity, long sortTimeoutMillis) {
        this.peers = peers;
        this.sortCapacity = sortCapacity;
        this.sortTimeoutMillis = sortTimeoutMillis;
    }

    @Override
    public void getFlows(GetFlowsRequest req, StreamObserver<GetFlowsResponse> out) {
        var call = (ServerCallStreamObserver<GetFlowsResponse>) out;
        List<Peers.Peer> nodes = List.copyOf(peers.all());
        if (nodes.isEmpty()) {
            out.onError(Status.UNAVAILABLE.withDescription("no nodes known to the relay yet (peer service unreachable?)")
                    .asRuntimeException());
            return;
        }
        Context.CancellableContext ctx = Context.current().withCancellation();
        HubbleStreams.FlowSink answers = HubbleStreams.sinkOf(call, () -> ctx.cancel(null));
        List<FlowMerge.Upstream> upstreams = nodes.stream().<FlowMerge.Upstream>map(p -> new FlowMerge.Upstream() {
            @Override
            public String name() {
                return p.name();
            }

            @Override
            public void stream(GetFlowsRequest r, java.util.function.Consumer<GetFlowsResponse> sink) throws InterruptedException {
                p.awaitReady(CONNECT_TIMEOUT);
                ctx.run(() -> {
                    Iterator<GetFlowsResponse> it = ObserverGrpc.newBlockingStub(p.channel()).getFlows(r);
                    while (it.hasNext()) {
                        GetFlowsResponse resp = it.next();
                        sink.accept(resp.getNodeName().isEmpty() ? resp.toBuilder().setNodeName(p.name()).build() : resp);
                    }
                });
            }
        }).toList();
        Thread.ofVirtual().name("relay-get-flows").start(() -> {
            try {
                new FlowMerge(upstreams, sortCapacity, sortTimeoutMillis).run(req, answers);
                if (!call.isCancelled()) {
                    call.onCompleted();
                }
            } catch (StatusRuntimeException e) {
                // A request the nodes refuse (a bad filter) is refused with their message.
                call.onError(e.getStatus().asRuntimeException());
            } catch (InterruptedException e) {
                call.onError(Status.CANCELLED.withDescription("relay shutting down").asRuntimeException());
            } catch (RuntimeException e) {
                if (!call.isCancelled()) {
                    call.onError(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
                }
            }
        });
    }

    @Override
    public void serverStatus(ServerStatusRequest req, StreamObserver<ServerStatusResponse> out) {
        long num = 0, max = 0, seen = 0, uptime = System.nanoTime() - startNanos;
        double rate = 0;
        int connected = 0;
        List<String> unavailable = new ArrayList<>();
        for (Answer<ServerStatusResponse> a : askAll(stub -> stub.serverStatus(req))) {
            switch (a) {
                case Answered<ServerStatusResponse>(Peers.Peer p, ServerStatusResponse s) -> {
                    num += s.getNumFlows();
                    max += s.getMaxFlows();
                    seen += s.getSeenFlows();
                    rate += s.getFlowsRate();
                    connected++;
                }
                case Failed<ServerStatusResponse>(Peers.Peer p, NodeState state) -> unavailable.add(p.name());
            }
        }
        out.onNext(ServerStatusResponse.newBuilder().setNumFlows(num).setMaxFlows(max).setSeenFlows(seen)
                .setUptimeNs(uptime).setFlowsRate(rate).setVersion(HubbleNames.VERSION)
                .setNumConnectedNodes(UInt32Value.of(connected)).setNumUnavailableNodes(UInt32Value.of(unavailable.size()))
                .addAllUnavailableNodes(unavailable).build());
        out.onCompleted();
    }

    @Override
    public void getNodes(GetNodesRequest req, StreamObserver<GetNodesResponse> out) {
        var b = GetNodesResponse.newBuilder();
        for (Answer<ServerStatusResponse> a : askAll(stub -> stub.serverStatus(ServerStatusRequest.getDefaultInstance()))) {
            Peers.Peer p = a.peer();
            Node.Builder n = Node.newBuilder().setName(p.name()).setAddress(p.address())
                    .setTls(io.sluice.api.hubble.observer.TLS.newBuilder().setEnabled(!p.tlsServerName().isEmpty())
                            .setServerName(p.tlsServerName()));
            switch (a) {
                case Answered<ServerStatusResponse>(Peers.Peer q, ServerStatusResponse s) -> n.setState(NodeState.NODE_CONNECTED)
                        .setVersion(s.getVersion()).setUptimeNs(s.getUptimeNs())
                        .setNumFlows(s.getNumFlows()).setMaxFlows(s.getMaxFlows()).setSeenFlows(s.getSeenFlows());
                case Failed<ServerStatusResponse>(Peers.Peer q, NodeState state) -> n.setState(state);
            }
            b.addNodes(n);
        }
        out.onNext(b.build());
        out.onCompleted();
    }

    @Override
    public void getNamespaces(GetNamespacesRequest req, StreamObserver<GetNamespacesResponse> out) {
        TreeSet<String> all = new TreeSet<>();
        for (Answer<GetNamespacesResponse> a : askAll(stub -> stub.getNamespaces(req))) {
            // an unavailable node adds nothing; GetNodes and ServerStatus report it
            if (a instanceof Answered<GetNamespacesResponse>(Peers.Peer p, GetNamespacesResponse r)) {
                r.getNamespacesList().forEach(ns -> all.add(ns.getNamespace()));
            }
        }
        var b = GetNamespacesResponse.newBuilder();
        all.forEach(ns -> b.addNamespaces(Namespace.newBuilder().setNamespace(ns)));
        out.onNext(b.build());
        out.onCompleted();
    }

    /** One node's answer to a call: what it said, or how it failed. */
    sealed interface Answer<T> {
        Peers.Peer peer();
    }

    record Answered<T>(Peers.Peer peer, T value) implements Answer<T> {}

    /** {@code state}: what the failure makes of the node (unavailable, or an error such as TLS refused). */
    record Failed<T>(Peers.Peer peer, NodeState state) implements Answer<T> {}

    /**
     * Asks every node at once, each within the deadline, so one node that does not answer costs
     * one deadline, not one per node; the answers come in the nodes' order. A node that answered
     * is marked reached, one that failed is marked failed ({@link Peers#failed}).
     */
    private <T> List<Answer<T>> askAll(Function<ObserverGrpc.ObserverBlockingStub, T> call) {
        List<Peers.Peer> nodes = List.copyOf(peers.all());
        List<Future<T>> asked;
        try (var each = Executors.newVirtualThreadPerTaskExecutor()) {
            asked = nodes.stream().map(p -> each.submit(() -> call.apply(ObserverGrpc.newBlockingStub(p.channel())
                    .withDeadlineAfter(PEER_DEADLINE_SECONDS, TimeUnit.SECONDS)))).toList();
        } // closing waits for all: each ends by its deadline
        List<Answer<T>> out = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            Peers.Peer p = nodes.get(i);
            Future<T> answer = asked.get(i);
            if (answer.state() == Future.State.SUCCESS) {
                out.add(new Answered<>(p, answer.resultNow()));
                peers.reached(p);
            } else {
                Throwable cause = answer.exceptionNow();
                StatusRuntimeException failure = cause instanceof StatusRuntimeException s ? s
                        : Status.INTERNAL.withDescription(cause.toString()).withCause(cause).asRuntimeException();
                out.add(new Failed<>(p, peers.failed(p, failure)));
            }
        }
        return out;
    }

    @Override
    public void getAgentEvents(GetAgentEventsRequest req, StreamObserver<GetAgentEventsResponse> out) {
        out.onError(Status.UNIMPLEMENTED.withDescription("the relay does not forward agent events").asRuntimeException());
    }

    @Override
    public void getDebugEvents(GetDebugEventsRequest req, StreamObserver<GetDebugEventsResponse> out) {
        out.onError(Status.UNIMPLEMENTED.withDescription("the relay does not forward debug events").asRuntimeException());
    }
}
