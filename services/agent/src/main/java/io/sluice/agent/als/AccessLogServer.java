package io.sluice.agent.als;

import io.envoyproxy.envoy.service.accesslog.v3.AccessLogServiceGrpc;
import io.envoyproxy.envoy.service.accesslog.v3.StreamAccessLogsMessage;
import io.envoyproxy.envoy.service.accesslog.v3.StreamAccessLogsResponse;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import io.sluice.agent.cgroup.CpuPriority;
import io.sluice.agent.flow.L7Record;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Envoy's access-log service on a unix socket. Each stream names its log (the listener's
 * direction) in its first message; entries that cannot be read are skipped, never fatal.
 * All of it (reading, decoding, and the sink) runs on one thread of its own, at the given CPU
 * priority; the sink is called from that thread only.
 */
public final class AccessLogServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AccessLogServer.class);
    private final EpollEventLoopGroup boss = new EpollEventLoopGroup(1);
    private final EpollEventLoopGroup worker = new EpollEventLoopGroup(1);
    private final Server server;

    public AccessLogServer(Path socket, Consumer<L7Record> sink, CpuPriority priority) {
        try {
            worker.submit(priority::join).get();
            Files.deleteIfExists(socket);
            server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                    .channelType(EpollServerDomainSocketChannel.class)
                    .bossEventLoopGroup(boss)
                    .workerEventLoopGroup(worker)
                    .directExecutor()
                    .addService(new Service(sink))
                    .build().start();
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("serve access logs on " + socket, e);
        } catch (InterruptedException | ExecutionException e) {
            close();
            throw new IllegalStateException("start the access-log thread", e);
        }
    }

    private static final class Service extends AccessLogServiceGrpc.AccessLogServiceImplBase {
        private final Consumer<L7Record> sink;

        Service(Consumer<L7Record> sink) {
            this.sink = sink;
        }

        @Override
        public StreamObserver<StreamAccessLogsMessage> streamAccessLogs(StreamObserver<StreamAccessLogsResponse> out) {
            return new StreamObserver<>() {
                private String logName = "";

                @Override
                public void onNext(StreamAccessLogsMessage m) {
                    if (m.hasIdentifier()) {
                        logName = m.getIdentifier().getLogName();
                    }
                    for (var entry : m.getHttpLogs().getLogEntryList()) {
                        try {
                            sink.accept(AccessLogEntries.of(logName, entry));
                        } catch (RuntimeException e) {
                            LOG.debugf("skipping an access-log entry: %s", e.getMessage());
                        }
                    }
                }

                @Override
                public void onError(Throwable t) {
                    // Envoy went away; it opens a new stream when it comes back.
                }

                @Override
                public void onCompleted() {
                    out.onNext(StreamAccessLogsResponse.getDefaultInstance());
                    out.onCompleted();
                }
            };
        }
    }

    /** Stops serving; returns once its threads have ended (so their cgroup can be removed). */
    @Override
    public void close() {
        if (server != null) {
            server.shutdownNow();
        }
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
        worker.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
}
