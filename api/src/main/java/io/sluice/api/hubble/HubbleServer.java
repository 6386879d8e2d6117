package io.sluice.api.hubble;

import io.grpc.BindableService;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.sluice.api.grpc.GrpcServers;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * Serves gRPC services on a unix socket (plaintext: the socket's mode guards it) and a TCP
 * address (secured as {@link ServerTls} says), with the gRPC health service
 * answering SERVING for {@code hubble.server.Observer} (or what {@link #serving} says) and a version header on every answer
 * ({@code hubble-server-version} for the agent, {@code hubble-relay-version} for the relay).
 */
public final class HubbleServer implements AutoCloseable {
    public static final String OBSERVER_HEALTH = "hubble.server.Observer";
    private final HealthStatusManager health = new HealthStatusManager();
    private final GrpcServers grpc = new GrpcServers("hubble", 1);

    public HubbleServer(String versionHeader, String version, Path socket, InetSocketAddress tcp, ServerTls tls,
                        BindableService... services) {
        serving(true);
        ServerInterceptor header = responseHeader(versionHeader, version);
        UnaryOperator<NettyServerBuilder> setup = b -> {
            b.addService(health.getHealthService());
            for (BindableService s : services) {
                b.addService(ServerInterceptors.intercept(s, header));
            }
            return b;
        };
        try {
            if (socket != null) {
                grpc.unixSocket(socket, setup);
            }
            if (tcp != null) {
                grpc.tcp(tcp, b -> {
                    tls.context().ifPresent(b::sslContext);
                    return setup.apply(b);
                });
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** What the health service answers, for the server and for {@code hubble.server.Observer}: SERVING or NOT_SERVING. */
    public void serving(boolean serving) {
        serving(health, serving);
    }

    /** Sets what {@code health} answers as {@link #serving(boolean)} does, for a service served elsewhere. */
    public static void serving(HealthStatusManager health, boolean serving) {
        ServingStatus status = serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
        health.setStatus("", status);
        health.setStatus(OBSERVER_HEALTH, status);
    }

    /** Adds the response header {@code header: value} to every call's response headers. */
    public static ServerInterceptor responseHeader(String header, String value) {
        Metadata.Key<String> key = Metadata.Key.of(header, Metadata.ASCII_STRING_MARSHALLER);
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    public void sendHeaders(Metadata h) {
                        h.put(key, value);
                        super.sendHeaders(h);
                    }
                }, headers);
            }
        };
    }

    @Override
    public void close() {
        grpc.close();
    }
}
