package io.sluice.relay;

import io.grpc.ManagedChannel;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.sluice.api.grpc.GrpcServers;
import io.sluice.api.hubble.HubbleChannels;
import io.sluice.api.hubble.HubbleStreams.FlowSink;
import io.sluice.api.hubble.observer.GetFlowsRequest;
import io.sluice.api.hubble.observer.GetFlowsResponse;
import io.sluice.api.hubble.observer.GetNamespacesRequest;
import io.sluice.api.hubble.observer.GetNodesRequest;
import io.sluice.api.hubble.observer.ObserverGrpc;
import io.sluice.api.hubble.observer.ServerStatusRequest;
import io.sluice.api.hubble.observer.ServerStatusResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Mutiny methods served over a real gRPC server and client on a unix socket. */
class MutinyCallsTest {
    /** What the producer would send if nothing held it back: far more than gRPC's windows hold. */
    private static final int WANTED = 100_000;
    private static final GetFlowsResponse KILOBYTE = GetFlowsResponse.newBuilder().setNodeName("n".repeat(1000)).build();

    private final GrpcServers grpc = new GrpcServers("test", 1);
    private final AtomicInteger sent = new AtomicInteger();
    private final CountDownLatch producerEnded = new CountDownLatch(1), terminated = new CountDownLatch(1);
    private volatile boolean producerSawCancel;
    @TempDir
    Path dir;

    @AfterEach
    void close() {
        grpc.close();
    }

    /** A blocking producer of {@link #WANTED} answers, as the relay's merge is. */
    private Multi<GetFlowsResponse> produce(GetFlowsRequest req) {
        return Multi.createFrom().emitter(emitter -> {
            FlowSink sink = MutinyCalls.sinkOf(emitter, terminated::countDown);
            Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < WANTED && !sink.cancelled(); i++) {
                        sink.send(KILOBYTE);
                        sent.incrementAndGet();
                    }
                    producerSawCancel = sink.cancelled();
                    emitter.complete();
                } catch (InterruptedException e) {
                    emitter.fail(e);
                } finally {
                    producerEnded.countDown();
                }
            });
        });
    }

    private ManagedChannel serve(ServerServiceDefinition service) {
        Path socket = dir.resolve("api.sock");
        grpc.unixSocket(socket, b -> b.addService(service));
        return HubbleChannels.open("unix://" + socket);
    }

    @Test
    void serverStreaming_holdsTheProducerBackWhileTheClientReadsNothing_andStopsItWhenTheClientLeaves() throws Exception {
        ManagedChannel channel = serve(ServerServiceDefinition.builder(ObserverGrpc.SERVICE_NAME)
                .addMethod(ObserverGrpc.getGetFlowsMethod(), MutinyCalls.serverStreaming(this::produce)).build());
        try {
            AtomicInteger received = new AtomicInteger();
            ClientCallStreamObserver<GetFlowsRequest>[] call = new ClientCallStreamObserver[1];
            ObserverGrpc.newStub(channel).getFlows(GetFlowsRequest.getDefaultInstance(), new ClientResponseObserver<GetFlowsRequest, GetFlowsResponse>() {
                @Override
                public void beforeStart(ClientCallStreamObserver<GetFlowsRequest> c) {
                    call[0] = c;
                    c.disableAutoRequestWithInitial(1); // reads one answer, then nothing
                }

                @Override
                public void onNext(GetFlowsResponse value) {
                    received.incrementAndGet();
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            });
            await(() -> received.get() == 1);
            // let gRPC's windows and buffers fill: then the producer must be waiting
            int held;
            do {
                held = sent.get();
                Thread.sleep(500);
            } while (sent.get() != held);
            assertThat(held).as("answers produced for a client that read one").isBetween(2, WANTED / 10);
            assertThat(producerEnded.getCount()).isEqualTo(1);

            int more = 2 * held; // more than was held back, so the producer must go on
            call[0].request(more);
            await(() -> received.get() == 1 + more);
            assertThat(sent.get()).as("reading more lets the producer go on").isGreaterThan(held);

            call[0].cancel("client leaves", null);
            assertThat(producerEnded.await(10, TimeUnit.SECONDS)).as("the producer stopped").isTrue();
            assertThat(producerSawCancel).isTrue();
            assertThat(terminated.getCount()).as("onTermination ran").isZero();
            assertThat(sent.get()).isLessThan(WANTED);
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void unary_answersWithTheUnisItem_andWithItsStatusWhenItFails() {
        ManagedChannel channel = serve(ServerServiceDefinition.builder(ObserverGrpc.SERVICE_NAME)
                .addMethod(ObserverGrpc.getServerStatusMethod(), MutinyCalls.unary(r -> Uni.createFrom().item(
                        ServerStatusResponse.newBuilder().setVersion("v1").build())))
                .addMethod(ObserverGrpc.getGetNodesMethod(), MutinyCalls.unary(r -> Uni.createFrom().failure(
                        Status.INVALID_ARGUMENT.withDescription("bad request").asRuntimeException())))
                .addMethod(ObserverGrpc.getGetNamespacesMethod(), MutinyCalls.unary(r -> Uni.createFrom().failure(
                        new IllegalStateException("broken"))))
                .build());
        try {
            var stub = ObserverGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
            assertThat(stub.serverStatus(ServerStatusRequest.getDefaultInstance()).getVersion()).isEqualTo("v1");
            assertThatThrownBy(() -> stub.getNodes(GetNodesRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).isEqualTo("bad request");
                    });
            assertThatThrownBy(() -> stub.getNamespaces(GetNamespacesRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
                        assertThat(e.getStatus().getDescription()).contains("broken");
                    });
        } finally {
            channel.shutdownNow();
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 200 && !condition.getAsBoolean(); i++) {
            Thread.sleep(50);
        }
        assertThat(condition.getAsBoolean()).as("within 10 s").isTrue();
    }
}
