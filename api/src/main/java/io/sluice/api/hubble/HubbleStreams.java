package io.sluice.api.hubble;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
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

    /** What produces a GetFlows answer: sends into the sink until it is done or the sink is cancelled. */
    @FunctionalInterface
    public interface FlowSource {
        /** A {@code StatusRuntimeException} ends the call with its status (a bad filter: INVALID_ARGUMENT). */
        void run(FlowSink sink) throws InterruptedException;
    }

    /**
     * A GetFlows answer as a {@link Multi}: {@code source} runs on a virtual thread named
     * {@code name} once subscribed, and its sink waits while the subscriber asks for nothing, so
     * served through {@code MutinyCalls.serverStreaming} a slow client slows its own stream (on
     * the agent it falls behind the buffer and is told what it lost) rather than filling memory.
     * The sink is cancelled when the subscriber leaves; {@code onTermination} runs then, or when
     * the source ends. Interrupted, the source ends the call as CANCELLED; any other failure
     * that carries no status as INTERNAL.
     */
    public static Multi<GetFlowsResponse> flows(String name, FlowSource source, Runnable onTermination) {
        return Multi.createFrom().emitter(emitter -> {
            FlowSink sink = sinkOf(emitter, onTermination);
            Thread.ofVirtual().name(name).start(() -> {
                try {
                    source.run(sink);
                    emitter.complete();
                } catch (StatusRuntimeException e) {
                    emitter.fail(e);
                } catch (InterruptedException e) {
                    emitter.fail(Status.CANCELLED.withDescription("server shutting down").asRuntimeException());
                } catch (RuntimeException e) {
                    emitter.fail(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
                }
            });
        });
    }

    /**
     * A sink emitting into the emitter only what its subscriber asked for, waiting otherwise; it
     * takes the emitter's request and termination callbacks (an emitter holds one of each).
     */
    private static FlowSink sinkOf(MultiEmitter<? super GetFlowsResponse> emitter, Runnable onTermination) {
        Object signal = new Object();
        Runnable wake = () -> {
            synchronized (signal) {
                signal.notifyAll();
            }
        };
        emitter.onRequest(n -> wake.run());
        emitter.onTermination(() -> {
            onTermination.run();
            wake.run();
        });
        return new FlowSink() {
            @Override
            public void send(GetFlowsResponse r) throws InterruptedException {
                synchronized (signal) {
                    while (emitter.requested() == 0 && !emitter.isCancelled()) {
                        signal.wait();
                    }
                }
                if (!emitter.isCancelled()) {
                    emitter.emit(r);
                }
            }

            @Override
            public boolean cancelled() {
                return emitter.isCancelled();
            }
        };
    }
}
