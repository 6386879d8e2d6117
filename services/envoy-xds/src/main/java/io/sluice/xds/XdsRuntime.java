package io.sluice.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.StreamObserver;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sluice.api.grpc.GrpcServers;
import io.sluice.api.xds.sync.Refusal;
import io.sluice.api.xds.sync.Report;
import io.sluice.api.xds.sync.ResourceSyncGrpc;
import io.sluice.api.xds.sync.Snapshot;
import io.sluice.api.xds.sync.TypeState;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves Envoy's ADS and the agent's ResourceSync on one unix socket. On start it serves the
 * last configuration Envoy acknowledged (from disk) until the agent sends a newer one.
 */
@ApplicationScoped
public class XdsRuntime {
    private static final Logger LOG = Logger.getLogger(XdsRuntime.class);
    static final String GROUP = "sluice";

    @Inject
    XdsConfig config;

    private final SimpleCache<String> cache = new SimpleCache<>(node -> GROUP);
    private final AckTracker acks = new AckTracker();
    private final Snapshots snapshots = new Snapshots();
    private final Set<StreamObserver<Report>> agents = ConcurrentHashMap.newKeySet();
    private final AtomicInteger envoyStreams = new AtomicInteger();
    private volatile Snapshot latest = Snapshot.getDefaultInstance();
    /** The last snapshot that could not be served, until one is; null when none. */
    private volatile Refusal refused;
    private volatile String savedVersion = "";
    /** The snapshot version the connected Envoy runs completely (every type sent at it acknowledged); empty when unknown. */
    private volatile String running = "";
    private SnapshotFile lastGood;
    private volatile GrpcServers grpc;
    /** The socket this instance listens on; {@code socket} is a link to the newest instance's. */
    private Path bound;

    void onStart(@Observes StartupEvent ev) throws IOException {
        lastGood = new SnapshotFile(Path.of(config.stateDir(), "last-good.pb"));
        lastGood.read().ifPresent(s -> {
            apply(s);
            savedVersion = s.getVersion();
            LOG.infof("serving the last acknowledged configuration, version %s", s.getVersion());
        });
        V3DiscoveryServer discovery = new V3DiscoveryServer(new Callbacks(), cache);
        Path sock = Path.of(config.socket());
        Files.createDirectories(sock.getParent());
        awaitWritable(sock.getParent());
        bound = SocketLink.instance(sock);
        SocketLink.removeDead(sock);
        grpc = new GrpcServers("envoy-xds", 2);
        grpc.unixSocket(bound, b -> b.addService(discovery.getAggregatedDiscoveryServiceImpl()).addService(new Sync()));
        SocketLink.point(sock, bound);
        XdsConfig.Envoy envoy = config.envoy();
        envoy.bootstrap().ifPresent(file -> new io.sluice.api.xds.Bootstrap(envoy.nodeId(), sock.toString(), envoy.adminSocket(),
                envoy.alsSocket(), envoy.adminPort(), envoy.prometheusPort(), envoy.healthPort()).write(Path.of(file)));
        LOG.infof("envoy-xds serving ADS (SotW and delta) and ResourceSync on %s (%s)", sock, bound.getFileName());
    }

    /**
     * In Envoy's DaemonSet the agent makes the proxy directory the node account's when it starts;
     * until then there is nothing to serve, so wait, saying for what.
     */
    private static void awaitWritable(Path dir) {
        for (int i = 0; !Files.isWritable(dir); i++) {
            if (i % 150 == 0) {
                LOG.infof("waiting for %s to be writable (the agent gives it to the node's account when it starts)", dir);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + dir, e);
            }
        }
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (grpc != null) {
            grpc.close();
            SocketLink.unpoint(Path.of(config.socket()), bound);
        }
    }

    private synchronized void apply(Snapshot snapshot) {
        try {
            cache.setSnapshot(GROUP, snapshots.of(snapshot));
            latest = snapshot;
            refused = null;
            reportAll(); // a snapshot Envoy already runs changes nothing in Envoy: say so now
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** ResourceSync (sync.proto): each agent's snapshots in, reports of Envoy's state out. */
    private final class Sync extends ResourceSyncGrpc.ResourceSyncImplBase {
        @Override
        public StreamObserver<Snapshot> sync(StreamObserver<Report> out) {
            agents.add(out);
            report(out);
            return new StreamObserver<>() {
                @Override
                public void onNext(Snapshot snapshot) {
                    try {
                        apply(snapshot);
                    } catch (RuntimeException e) {
                        // A snapshot we cannot serve is refused; the previous one stays.
                        refused = Refusal.newBuilder().setVersion(snapshot.getVersion())
                                .setMessage(String.valueOf(e.getMessage())).build();
                        reportAll();
                    }
                }

                @Override
                public void onError(Throwable t) {
                    agents.remove(out);
                }

                @Override
                public void onCompleted() {
                    agents.remove(out);
                    out.onCompleted();
                }
            };
        }
    }

    /** True once ADS and the sync are served (after a start that waited for its directory). */
    boolean serving() {
        return grpc != null;
    }

    /** True while Envoy holds an ADS stream. */
    boolean envoyConnected() {
        return envoyStreams.get() > 0;
    }

    /** The snapshot version Envoy runs completely; empty when none is known. */
    String running() {
        return running;
    }

    /** How many agents hold a sync stream. */
    int agents() {
        return agents.size();
    }

    private void reportAll() {
        agents.forEach(this::report);
    }

    private void report(StreamObserver<Report> out) {
        Report.Builder r = Report.newBuilder().setEnvoyConnected(envoyStreams.get() > 0);
        for (AckTracker.TypeState t : acks.states()) {
            r.addTypes(TypeState.newBuilder().setTypeUrl(t.typeUrl()).setAcked(t.acked()).setSent(t.sent())
                    .setNacked(t.nackedVersion()).setNackMessage(t.nackMessage()));
        }
        if (r.getEnvoyConnected()) {
            r.setRunning(running);
        }
        Refusal refusal = refused;
        if (refusal != null) {
            r.setRefused(refusal);
        }
        synchronized (out) {
            try {
                out.onNext(r.build());
            } catch (RuntimeException e) {
                agents.remove(out);
            }
        }
    }

    /** Saves the latest snapshot once every type sent at its version is acknowledged and none rejected. */
    private void saveIfAcknowledged() {
        String v = latest.getVersion();
        if (v.isEmpty()) {
            return;
        }
        var states = acks.states();
        boolean sent = states.stream().anyMatch(s -> s.sent().equals(v));
        boolean ok = states.stream().filter(s -> s.sent().equals(v)).allMatch(s -> s.acked().equals(v))
                && states.stream().noneMatch(s -> s.nackedVersion().equals(v));
        if (sent && ok) {
            running = v;
            if (!v.equals(savedVersion)) {
                lastGood.write(latest);
                savedVersion = v;
            }
        }
    }

    private final class Callbacks implements DiscoveryServerCallbacks {
        @Override
        public void onStreamOpen(long streamId, String typeUrl) {
            envoyStreams.incrementAndGet();
            reportAll();
        }

        @Override
        public void onStreamClose(long streamId, String typeUrl) {
            closed();
        }

        @Override
        public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
            closed();
        }

        private void closed() {
            envoyStreams.decrementAndGet();
            acks.reset();
            running = "";
            reportAll();
        }

        @Override
        public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
            answered(request.getTypeUrl(), request.getResponseNonce(),
                    request.hasErrorDetail() ? request.getErrorDetail().getMessage() : "");
        }

        @Override
        public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
            answered(request.getTypeUrl(), request.getResponseNonce(),
                    request.hasErrorDetail() ? request.getErrorDetail().getMessage() : "");
        }

        @Override
        public void onV3StreamResponse(long streamId, DiscoveryRequest request, DiscoveryResponse response) {
            if (acks.sent(response.getTypeUrl(), response.getNonce(), response.getVersionInfo())) {
                changed();
            }
        }

        @Override
        public void onV3StreamDeltaResponse(long streamId, DeltaDiscoveryRequest request, DeltaDiscoveryResponse response) {
            if (acks.sent(response.getTypeUrl(), response.getNonce(), response.getSystemVersionInfo())) {
                changed();
            }
        }

        private void changed() {
            saveIfAcknowledged();
            reportAll();
        }

        private void answered(String typeUrl, String nonce, String error) {
            if (!error.isEmpty()) {
                LOG.warnf("Envoy rejected %s: %s", typeUrl, error);
            }
            if (acks.answered(typeUrl, nonce, error)) {
                changed();
            }
        }
    }

}
