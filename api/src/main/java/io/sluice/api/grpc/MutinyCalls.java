package io.sluice.api.grpc;

import io.grpc.ServerCallHandler;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.MultiSubscriber;

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
 * only while gRPC says the call is ready: a slow client holds back the producer instead (a
 * producer that blocks until asked: {@code HubbleStreams.flows}). The handlers serve on any
 * grpc-java server, quarkus-grpc's or {@link GrpcServers}'.
 * <pre>{@code
 * ServerServiceDefinition.builder(ObserverGrpc.getServiceDescriptor())
 *     .addMethod(ObserverGrpc.getServerStatusMethod(), MutinyCalls.unary(this::serverStatus))
 *     .addMethod(ObserverGrpc.getGetFlowsMethod(), MutinyCalls.serverStreaming(this::getFlows))
 * }</pre>
 * A failure carrying a gRPC status ({@code StatusRuntimeException}) reaches the client with that
 * status; any other is {@code INTERNAL} with its text. A client that leaves cancels the subscription.
 */
public final class MutinyCalls {
    private MutinyCalls() {}

    public static <Q, R> ServerCallHandler<Q, R> unary(Function<Q, Uni<R>> method) {
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

    public static <Q, R> ServerCallHandler<Q, R> serverStreaming(Function<Q, Multi<R>> method) {
        return ServerCalls.asyncServerStreamingCall((req, out) -> {
            var call = (ServerCallStreamObserver<R>) out;
            ReadySubscriber<R> subscriber = new ReadySubscriber<>(call);
            // gRPC takes a call's handlers only here, in the method itself
            call.setOnReadyHandler(subscriber::ready);
            call.setOnCancelHandler(subscriber::cancel);
            method.apply(req).subscribe().withSubscriber(subscriber);
        });
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
