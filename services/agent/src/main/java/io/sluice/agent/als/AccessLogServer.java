package io.sluice.agent.als;

import io.envoyproxy.envoy.service.accesslog.v3.AccessLogServiceGrpc;
import io.envoyproxy.envoy.service.accesslog.v3.StreamAccessLogsMessage;
import io.envoyproxy.envoy.service.accesslog.v3.StreamAccessLogsResponse;
import io.grpc.stub.StreamObserver;
import io.sluice.api.grpc.GrpcServers;
import io.sluice.agent.cgroup.CpuPriority;
import io.sluice.agent.flow.L7Record;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Envoy's access-log service on a unix socket. Each stream names its log (the listener's
 * direction) in its first message; entries that cannot be read are skipped, never fatal.
 * All of it (reading, decoding, and the sink) runs on one thread of its own, at the given CPU
 * priority; the sink is called from that thread only.
 */
public final class AccessLogServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AccessLogServer.class);
    private final GrpcServers grpc = new GrpcServers("access-log", 1);

    public AccessLogServer(Path socket, Consumer<L7Record> sink, CpuPriority priority) {
        try {
            grpc.onEachWorker(priority::join);
            grpc.unixSocket(socket, b -> b.directExecutor().addService(new Service(sink)));
        } catch (RuntimeException e) {
            close();
            throw e;
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
        grpc.close();
    }
}
