package io.sluice.api.hubble;

import io.grpc.stub.ServerCallStreamObserver;
import io.sluice.api.hubble.observer.GetFlowsResponse;

/** Server-streaming answers of Hubble's API, shared by the agent's observer and the relay. */
public final class HubbleStreams {
    private HubbleStreams() {}

    /** Where a GetFlows call sends its answers, on the agent and on the relay. */
    public interface FlowSink {
        /** Sends one answer, waiting while the client cannot take more. */
        void send(GetFlowsResponse r) throws InterruptedException;

        /** True once the client is gone: the call stops. */
        boolean cancelled();
    }

    /**
     * A GetFlows call's answers to its gRPC client, each sent when the client can take it (gRPC's
     * flow control), rather than queued without bound: a slow client slows its own stream (and,
     * on the agent, falls behind the buffer and is told what it lost). The sending thread sleeps
     * until gRPC says the call is ready again or the client left.
     * <p>
     * Call it from the service method itself, before handing the call to another thread: gRPC
     * takes the call's ready and cancel handlers only there.
     */
    public static FlowSink sinkOf(ServerCallStreamObserver<GetFlowsResponse> call) {
        return sinkOf(call, () -> {});
    }

    /** As {@link #sinkOf(ServerCallStreamObserver)}, also running {@code onCancel} when the client leaves. */
    public static FlowSink sinkOf(ServerCallStreamObserver<GetFlowsResponse> call, Runnable onCancel) {
        Object signal = new Object();
        Runnable wake = () -> {
            synchronized (signal) {
                signal.notifyAll();
            }
        };
        call.setOnReadyHandler(wake);
        call.setOnCancelHandler(() -> {
            onCancel.run();
            wake.run();
        });
        return new FlowSink() {
            @Override
            public void send(GetFlowsResponse r) throws InterruptedException {
                synchronized (signal) {
                    while (!call.isReady() && !call.isCancelled()) {
                        signal.wait();
                    }
                }
                if (!call.isCancelled()) {
                    call.onNext(r);
                }
            }

            @Override
            public boolean cancelled() {
                return call.isCancelled();
            }
        };
    }
}
