package io.sluice.agent.hubble;

import com.google.protobuf.UInt32Value;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.sluice.api.grpc.MutinyCalls;
import io.sluice.api.hubble.HubbleNames;
import io.sluice.api.hubble.HubbleStreams;
import io.sluice.api.hubble.observer.GetAgentEventsResponse;
import io.sluice.api.hubble.observer.GetDebugEventsResponse;
import io.sluice.api.hubble.observer.GetFlowsRequest;
import io.sluice.api.hubble.observer.GetFlowsResponse;
import io.sluice.api.hubble.observer.GetNamespacesResponse;
import io.sluice.api.hubble.observer.GetNodesResponse;
import io.sluice.api.hubble.observer.Namespace;
import io.sluice.api.hubble.observer.Node;
import io.sluice.api.hubble.observer.ObserverGrpc;
import io.sluice.api.hubble.observer.ServerStatusResponse;
import io.sluice.api.hubble.observer.TLS;
import io.sluice.api.hubble.relay.NodeState;

import java.util.function.Supplier;

/**
 * Hubble's Observer service over the node's {@link Observer}, each method a Mutiny pipeline
 * ({@link MutinyCalls}). Each GetFlows runs on a virtual thread of its own, at the client's pace.
 */
public final class ObserverService implements BindableService {
    private final Observer observer;
    private final Supplier<Directory> directory;
    private final String address;

    public ObserverService(Observer observer, Supplier<Directory> directory, String address) {
        this.observer = observer;
        this.directory = directory;
        this.address = address;
    }

    @Override
    public ServerServiceDefinition bindService() {
        Multi<GetAgentEventsResponse> noAgentEvents = Multi.createFrom().failure(Status.UNIMPLEMENTED
                .withDescription("agent events are not recorded by this node").asRuntimeException());
        Multi<GetDebugEventsResponse> noDebugEvents = Multi.createFrom().failure(Status.UNIMPLEMENTED
                .withDescription("the datapath emits no debug events").asRuntimeException());
        return ServerServiceDefinition.builder(ObserverGrpc.getServiceDescriptor())
                .addMethod(ObserverGrpc.getGetFlowsMethod(), MutinyCalls.serverStreaming(this::getFlows))
                .addMethod(ObserverGrpc.getServerStatusMethod(), MutinyCalls.unary(r -> Uni.createFrom().item(status(observer))))
                .addMethod(ObserverGrpc.getGetNodesMethod(), MutinyCalls.unary(r -> Uni.createFrom().item(this::nodes)))
                .addMethod(ObserverGrpc.getGetNamespacesMethod(), MutinyCalls.unary(r -> Uni.createFrom().item(this::namespaces)))
                .addMethod(ObserverGrpc.getGetAgentEventsMethod(), MutinyCalls.serverStreaming(r -> noAgentEvents))
                .addMethod(ObserverGrpc.getGetDebugEventsMethod(), MutinyCalls.serverStreaming(r -> noDebugEvents))
                .build();
    }

    Multi<GetFlowsResponse> getFlows(GetFlowsRequest req) {
        return HubbleStreams.flows("get-flows", sink -> {
            try {
                observer.getFlows(req, sink);
            } catch (FlowFilters.InvalidFilter e) {
                throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
            }
        }, () -> { });
    }

    static ServerStatusResponse status(Observer o) {
        return ServerStatusResponse.newBuilder().setNumFlows(o.buffer().size()).setMaxFlows(o.buffer().capacity())
                .setSeenFlows(o.seenFlows()).setUptimeNs(o.uptimeNanos()).setVersion(HubbleNames.VERSION)
                .setFlowsRate(o.flowsRate()).setNumConnectedNodes(UInt32Value.of(1))
                .setNumUnavailableNodes(UInt32Value.of(0)).build();
    }

    private GetNodesResponse nodes() {
        return GetNodesResponse.newBuilder().addNodes(Node.newBuilder().setName(observer.nodeName())
                .setVersion(HubbleNames.VERSION).setAddress(address).setState(NodeState.NODE_CONNECTED)
                .setTls(TLS.newBuilder().setEnabled(false)).setUptimeNs(observer.uptimeNanos())
                .setNumFlows(observer.buffer().size()).setMaxFlows(observer.buffer().capacity())
                .setSeenFlows(observer.seenFlows())).build();
    }

    private GetNamespacesResponse namespaces() {
        var b = GetNamespacesResponse.newBuilder();
        directory.get().namespaces().forEach(ns -> b.addNamespaces(Namespace.newBuilder().setNamespace(ns)));
        return b.build();
    }
}
