package io.sluice.relay;

import io.grpc.ServerCallHandler;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.smallrye.mutiny.subscription.MultiSubscriber;
import io.sluice.api.hubble.HubbleStreams.FlowSink;
import io.sluice.api.hubble.observer.GetFlowsResponse;

import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * gRPC methods written as Mutiny pipelines: a unary method answers with a {@link Uni}, a
 * server-streaming one with a {@link Multi} that is read only as fast as the client takes it.
 * <p>
 * quarkus-grpc's own Mutiny stubs subscribe to a streaming method's {@code Multi} without bound
 * (no gRPC flow control; quarkusio/quarkus#46475), so a client that reads slowly makes the server
 * buffer everything. {@link #serverStreaming} asks the {@code Multi} for one item at a time, and
 * only while gRPC says the call is ready: a slow client holds back the producer instead.
 * <pre>{@code
 * ServerServiceDefinition.builder(ObserverGrpc.getServiceDescriptor())
 *     .addMethod(ObserverGrpc.getServerStatusMethod(), MutinyCalls.unary(this::serverStatus))
 *     .addMethod(ObserverGrpc.getGetFlowsMethod(), MutinyCalls.serverStreaming(this::getFlows))
 * }</pre>
 * A failure carrying a gRPC status ({@code StatusRuntimeException}) reaches the client with that
 * status; any other is {@code INTERNAL} with its text. A client that leaves cancels the subscription.
 */
final class MutinyCalls {
    private MutinyCalls() {}

    static <Q, R> ServerCallHandler<Q, R> unary(Function<Q, Uni<R>> method) {
        return ServerCalls.asyncUnaryCall((req, out) -> {
            var call = (ServerCallStreamObserver<R>) out;
            AtomicReference<Cancellable> subscription = new AtomicReference<>();
            call.setOnCancelHandler(() -> {
                Cancellable c = subscription.get();
                if (c != null) {
                    c.cancel();
                }
            });
            subscription.set(method.apply(req).subscribe().with(r -> {
                call.onNext(r);
                call.onCompleted();
            }, e -> fail(call, e)));
        });
    }

    static <Q, R> ServerCallHandler<Q, R> serverStreaming(Function<Q, Multi<R>> method) {
        return ServerCalls.asyncServerStreamingCall((req, out) -> {
            var call = (ServerCallStreamObserver<R>) out;
            ReadySubscriber<R> subscriber = new ReadySubscriber<>(call);
            // gRPC takes a call's handlers only here, in the method itself
            call.setOnReadyHandler(subscriber::ready);
            call.setOnCancelHandler(subscriber::cancel);
            method.apply(req).subscribe().withSubscriber(subscriber);
        });
    }

    /**
     * A {@link FlowSink} that emits into a Multi's emitter, waiting while its subscriber asks for
     * nothing (so a blocking producer, such as the relay's merge, follows the client's pace), and
     * cancelled once the subscriber is gone; {@code onTermination} runs then, or when the emitter
     * completes or fails. It takes the emitter's request and termination callbacks (an emitter
     * holds one of each). Send from the producer's own thread.
     */
    static FlowSink sinkOf(MultiEmitter<? super GetFlowsResponse> emitter, Runnable onTermination) {
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

    private static void fail(ServerCallStreamObserver<?> call, Throwable e) {
        if (call.isCancelled()) {
            return;
        }
        Status s = Status.fromThrowable(e);
        call.onError((s.getCode() == Status.Code.UNKNOWN ? Status.INTERNAL.withDescription(e.toString()) : s)
                .asRuntimeException());
    }

    /**
     * Asks for one item at a time, when the call is ready: after sending one if it still is, else
     * from gRPC's ready handler. At most one request is outstanding ({@code asked}), whichever
     * thread (the producer's, or the transport's on ready) asks.
     */
    private static final class ReadySubscriber<R> implements MultiSubscriber<R> {
        private final ServerCallStreamObserver<R> call;
        private final AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
        private final AtomicBoolean asked = new AtomicBoolean();

        ReadySubscriber(ServerCallStreamObserver<R> call) {
            this.call = call;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription.set(s);
            if (call.isCancelled()) {
                s.cancel();
            } else {
                ready();
            }
        }

        void ready() {
            Flow.Subscription s = subscription.get();
            if (s != null && call.isReady() && !call.isCancelled() && asked.compareAndSet(false, true)) {
                s.request(1);
            }
        }

        void cancel() {
            Flow.Subscription s = subscription.get();
            if (s != null) {
                s.cancel();
            }
        }

        @Override
        public void onItem(R item) {
            asked.set(false);
            if (!call.isCancelled()) {
                call.onNext(item);
                ready();
            }
        }

        @Override
        public void onFailure(Throwable failure) {
            fail(call, failure);
        }

        @Override
        public void onCompletion() {
            if (!call.isCancelled()) {
                call.onCompleted();
            }
        }
    }
}
