package io.sluice.api.hubble;

import io.grpc.ManagedChannel;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.sluice.api.grpc.MutinyCalls;
import io.sluice.api.hubble.observer.GetFlowsRequest;
import io.sluice.api.hubble.observer.GetFlowsResponse;
import io.sluice.api.hubble.observer.ObserverGrpc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * GetFlows answers ({@link HubbleStreams#flows} served by {@code MutinyCalls.serverStreaming}, as
 * the agent and the relay serve them) follow gRPC's flow control, over a real gRPC connection on loopback.
 */
class HubbleStreamsTest {
    private static final int ANSWERS = 5_000;
    private static final String PAYLOAD = "x".repeat(10_000);

    private final AtomicInteger sent = new AtomicInteger();
    private final CountDownLatch producerDone = new CountDownLatch(1), terminated = new CountDownLatch(1);
    private HubbleServer server;
    private ManagedChannel channel;

    @AfterEach
    void close() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aClientThatTakesNothingStopsTheSenderUntilItAsksForMore() throws Exception {
        AtomicInteger received = new AtomicInteger();
        CountDownLatch completed = new CountDownLatch(1);
        AtomicReference<ClientCallStreamObserver<GetFlowsRequest>> call = start(received, completed);

        // the sender stops once the connection's windows are full: far from all, and no longer growing
        awaitSteady();
        int stalled = sent.get();
        assertThat(stalled).isLessThan(ANSWERS / 4);
        assertThat(received.get()).isEqualTo(1);

        call.get().request(ANSWERS);
        assertThat(completed.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(received.get()).isEqualTo(ANSWERS);
        assertThat(sent.get()).isEqualTo(ANSWERS);
    }

    @Test
    void aClientThatLeavesWakesTheWaitingSender() throws Exception {
        AtomicReference<ClientCallStreamObserver<GetFlowsRequest>> call = start(new AtomicInteger(), new CountDownLatch(1));
        awaitSteady();

        call.get().cancel("done", null);

        assertThat(producerDone.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(sent.get()).isLessThan(ANSWERS);
        assertThat(terminated.await(5, TimeUnit.SECONDS)).as("onTermination ran").isTrue();
    }

    private AtomicReference<ClientCallStreamObserver<GetFlowsRequest>> start(AtomicInteger received, CountDownLatch completed)
            throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ServerServiceDefinition observer = ServerServiceDefinition.builder(ObserverGrpc.SERVICE_NAME)
                .addMethod(ObserverGrpc.getGetFlowsMethod(), MutinyCalls.serverStreaming(req -> HubbleStreams.flows("test-flows", sink -> {
                    try {
                        for (int i = 0; i < ANSWERS && !sink.cancelled(); i++) {
                            sink.send(GetFlowsResponse.newBuilder().setNodeName(PAYLOAD).build());
                            sent.incrementAndGet();
                        }
                    } finally {
                        producerDone.countDown();
                    }
                }, terminated::countDown))).build();
        server = new HubbleServer("hubble-server-version", "test", null,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port), ServerTls.PLAINTEXT, () -> observer);
        channel = HubbleChannels.open("127.0.0.1:" + port, ClientTls.PLAINTEXT);
        AtomicReference<ClientCallStreamObserver<GetFlowsRequest>> call = new AtomicReference<>();
        ObserverGrpc.newStub(channel).getFlows(GetFlowsRequest.getDefaultInstance(), new ClientResponseObserver<GetFlowsRequest, GetFlowsResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<GetFlowsRequest> c) {
                c.disableAutoRequestWithInitial(1);
                call.set(c);
            }

            @Override
            public void onNext(GetFlowsResponse r) {
                received.incrementAndGet();
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
                completed.countDown();
            }
        });
        return call;
    }

    /** Waits until the sender's count stays the same for half a second. */
    private void awaitSteady() throws InterruptedException {
        int last = -1;
        for (int i = 0; i < 40; i++) {
            Thread.sleep(500);
            int now = sent.get();
            if (now == last && now > 0) {
                return;
            }
            last = now;
        }
        throw new AssertionError("the sender never stopped: " + sent.get() + " sent");
    }
}
