package io.sluice.api.grpc;

import io.grpc.ManagedChannel;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.smallrye.mutiny.Uni;
import io.sluice.api.hubble.HubbleChannels;
import io.sluice.api.hubble.observer.GetNamespacesRequest;
import io.sluice.api.hubble.observer.GetNodesRequest;
import io.sluice.api.hubble.observer.ObserverGrpc;
import io.sluice.api.hubble.observer.ServerStatusRequest;
import io.sluice.api.hubble.observer.ServerStatusResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Unary Mutiny methods over a real gRPC server and client on a unix socket; streams: {@code HubbleStreamsTest}. */
class MutinyCallsTest {
    private final GrpcServers grpc = new GrpcServers("test", 1);
    @TempDir
    Path dir;

    @AfterEach
    void close() {
        grpc.close();
    }

    private ManagedChannel serve(ServerServiceDefinition service) {
        Path socket = dir.resolve("api.sock");
        grpc.unixSocket(socket, b -> b.addService(service));
        return HubbleChannels.open("unix://" + socket);
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
}
