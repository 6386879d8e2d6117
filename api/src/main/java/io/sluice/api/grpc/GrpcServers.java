package io.sluice.api.grpc;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * grpc-java servers on Netty's epoll transport sharing one set of named threads: one accepting
 * connections, {@code workers} serving them. {@link #close()} stops the servers and then the
 * threads, and returns once they have ended (a caller may then remove the cgroup they ran in,
 * or the socket's directory).
 * <pre>{@code
 * GrpcServers grpc = new GrpcServers("envoy-xds", 2);
 * grpc.unixSocket(path, b -> b.addService(ads).addService(sync));
 * ...
 * grpc.close();
 * }</pre>
 */
public final class GrpcServers implements AutoCloseable {
    private final EpollEventLoopGroup boss, workers;
    private final List<Server> servers = new ArrayList<>();

    public GrpcServers(String name, int workers) {
        this.boss = new EpollEventLoopGroup(1, new DefaultThreadFactory(name + "-grpc-accept"));
        this.workers = new EpollEventLoopGroup(workers, new DefaultThreadFactory(name + "-grpc"));
    }

    /**
     * Runs {@code task} on every worker thread before anything is served there (for instance
     * joining a cgroup of lower CPU priority).
     */
    public void onEachWorker(Runnable task) {
        try {
            for (var loop : workers) {
                loop.submit(task).get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("prepare the gRPC threads: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while preparing the gRPC threads", e);
        }
    }

    /** Serves on a unix socket (plaintext: the socket's mode guards it), replacing a stale socket file. */
    public Server unixSocket(Path socket, UnaryOperator<NettyServerBuilder> setup) {
        try {
            Files.deleteIfExists(socket);
            return start(setup.apply(NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                    .channelType(EpollServerDomainSocketChannel.class)), socket.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("serve gRPC on " + socket + ": " + e.getMessage(), e);
        }
    }

    /** Serves on a TCP address; {@code setup} adds TLS where wanted. */
    public Server tcp(InetSocketAddress address, UnaryOperator<NettyServerBuilder> setup) {
        return start(setup.apply(NettyServerBuilder.forAddress(address).channelType(EpollServerSocketChannel.class)),
                address.toString());
    }

    private synchronized Server start(NettyServerBuilder b, String where) {
        try {
            Server s = b.bossEventLoopGroup(boss).workerEventLoopGroup(workers).build().start();
            servers.add(s);
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("serve gRPC on " + where + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        servers.forEach(Server::shutdownNow);
        for (Server s : servers) {
            try {
                s.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        servers.clear();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
}
