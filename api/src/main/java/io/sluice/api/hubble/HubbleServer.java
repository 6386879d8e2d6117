package io.sluice.api.hubble;

import io.grpc.BindableService;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Serves gRPC services on a unix socket (plaintext: the socket's mode guards it) and a TCP
 * address (secured as {@link ServerTls} says), with the gRPC health service
 * answering SERVING for {@code hubble.server.Observer} (or what {@link #serving} says) and a version header on every answer
 * ({@code hubble-server-version} for the agent, {@code hubble-relay-version} for the relay).
 */
public final class HubbleServer implements AutoCloseable {
    public static final String OBSERVER_HEALTH = "hubble.server.Observer";
    private final List<Server> servers = new ArrayList<>();
    private final HealthStatusManager health = new HealthStatusManager();
    private final EpollEventLoopGroup boss = new EpollEventLoopGroup(1), workers = new EpollEventLoopGroup(1);

    public HubbleServer(String versionHeader, String version, Path socket, InetSocketAddress tcp, ServerTls tls,
                        BindableService... services) {
        serving(true);
        try {
            if (socket != null) {
                Files.deleteIfExists(socket);
                servers.add(build(NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                        .channelType(EpollServerDomainSocketChannel.class), versionHeader, version, health, services));
            }
            if (tcp != null) {
                NettyServerBuilder b = NettyServerBuilder.forAddress(tcp).channelType(EpollServerSocketChannel.class);
                tls.context().ifPresent(b::sslContext);
                servers.add(build(b, versionHeader, version, health, services));
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("serve Hubble's API on " + (socket == null ? "" : socket + " and ") + tcp
                    + ": " + e.getMessage(), e);
        }
    }

    /** What the health service answers, for the server and for {@code hubble.server.Observer}: SERVING or NOT_SERVING. */
    public void serving(boolean serving) {
        ServingStatus status = serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
        health.setStatus("", status);
        health.setStatus(OBSERVER_HEALTH, status);
    }

    private Server build(NettyServerBuilder b, String header, String version, HealthStatusManager health,
                         BindableService... services) throws IOException {
        b.bossEventLoopGroup(boss).workerEventLoopGroup(workers).addService(health.getHealthService());
        ServerInterceptor versionHeader = responseHeader(header, version);
        for (BindableService s : services) {
            b.addService(ServerInterceptors.intercept(s, versionHeader));
        }
        return b.build().start();
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
        servers.forEach(Server::shutdownNow);
        boss.shutdownGracefully();
        workers.shutdownGracefully();
    }
}
