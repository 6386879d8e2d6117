package io.sluice.agent.hubble;

import com.google.protobuf.UInt32Value;
import io.grpc.Status;
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
import io.sluice.api.hubble.observer.TLS;
import io.sluice.api.hubble.relay.NodeState;

import java.util.function.Supplier;

/** Hubble's Observer service over the node's {@link Observer}. Each GetFlows runs on a virtual thread of its own. */
public final class ObserverService extends ObserverGrpc.ObserverImplBase {
    private final Observer observer;
    private final Supplier<Directory> directory;
    private final String address;

    public ObserverService(Observer observer, Supplier<Directory> directory, String address) {
        this.observer = observer;
        this.directory = directory;
        this.address = address;
    }

    @Override
    public void getFlows(GetFlowsRequest req, StreamObserver<GetFlowsResponse> out) {
        var call = (ServerCallStreamObserver<GetFlowsResponse>) out;
        HubbleStreams.FlowSink sink = HubbleStreams.sinkOf(call);
        Thread.ofVirtual().name("get-flows").start(() -> {
            try {
                observer.getFlows(req, sink);
                if (!call.isCancelled()) {
                    call.onCompleted();
                }
            } catch (FlowFilters.InvalidFilter e) {
                call.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            } catch (InterruptedException e) {
                call.onError(Status.CANCELLED.withDescription("server shutting down").asRuntimeException());
            } catch (RuntimeException e) {
                if (!call.isCancelled()) {
                    call.onError(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
                }
            }
        });
    }

    @Override
    public void serverStatus(ServerStatusRequest req, StreamObserver<ServerStatusResponse> out) {
        out.onNext(status(observer));
        out.onCompleted();
    }

    static ServerStatusResponse status(Observer o) {
        return ServerStatusResponse.newBuilder().setNumFlows(o.buffer().size()).setMaxFlows(o.buffer().capacity())
                .setSeenFlows(o.seenFlows()).setUptimeNs(o.uptimeNanos()).setVersion(HubbleNames.VERSION)
                .setFlowsRate(o.flowsRate()).setNumConnectedNodes(UInt32Value.of(1))
                .setNumUnavailableNodes(UInt32Value.of(0)).build();
    }

    @Override
    public void getNodes(GetNodesRequest req, StreamObserver<GetNodesResponse> out) {
        out.onNext(GetNodesResponse.newBuilder().addNodes(Node.newBuilder().setName(observer.nodeName())
                .setVersion(HubbleNames.VERSION).setAddress(address).setState(NodeState.NODE_CONNECTED)
                .setTls(TLS.newBuilder().setEnabled(false)).setUptimeNs(observer.uptimeNanos())
                .setNumFlows(observer.buffer().size()).setMaxFlows(observer.buffer().capacity())
                .setSeenFlows(observer.seenFlows())).build());
        out.onCompleted();
    }

    @Override
    public void getNamespaces(GetNamespacesRequest req, StreamObserver<GetNamespacesResponse> out) {
        var b = GetNamespacesResponse.newBuilder();
        directory.get().namespaces().forEach(ns -> b.addNamespaces(Namespace.newBuilder().setNamespace(ns)));
        out.onNext(b.build());
        out.onCompleted();
    }

    @Override
    public void getAgentEvents(GetAgentEventsRequest req, StreamObserver<GetAgentEventsResponse> out) {
        out.onError(Status.UNIMPLEMENTED.withDescription("agent events are not recorded by this node").asRuntimeException());
    }

    @Override
    public void getDebugEvents(GetDebugEventsRequest req, StreamObserver<GetDebugEventsResponse> out) {
        out.onError(Status.UNIMPLEMENTED.withDescription("the datapath emits no debug events").asRuntimeException());
    }
}
