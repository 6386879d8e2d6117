package io.sluice.api.hubble;

import io.grpc.stub.ServerCallStreamObserver;
import io.sluice.api.hubble.observer.GetFlowsResponse;

import java.util.concurrent.locks.LockSupport;

/** Server-streaming answers of Hubble's API, shared by the agent's observer and the relay. */
public final class HubbleStreams {
    private HubbleStreams() {}

    /** Where a GetFlows call sends its answers, on the agent and on the relay. */
    public interface FlowSink {
        void send(GetFlowsResponse r);

        /** True once the client is gone: the call stops. */
        boolean cancelled();
    }

    /** A GetFlows call's answers to its gRPC client, each sent when the client can take it. */
    public static FlowSink sinkOf(ServerCallStreamObserver<GetFlowsResponse> call) {
        return new FlowSink() {
            @Override
            public void send(GetFlowsResponse r) {
                sendWhenReady(call, r);
            }

            @Override
            public boolean cancelled() {
                return call.isCancelled();
            }
        };
    }

    /**
     * Sends when the client can take more, rather than queueing without bound: a slow client
     * slows its own stream (and, on the agent, falls behind the buffer and is told what it lost).
     */
    public static <T> void sendWhenReady(ServerCallStreamObserver<T> call, T message) {
        while (!call.isReady() && !call.isCancelled()) {
            LockSupport.parkNanos(200_000);
        }
        if (!call.isCancelled()) {
            call.onNext(message);
        }
    }
}
