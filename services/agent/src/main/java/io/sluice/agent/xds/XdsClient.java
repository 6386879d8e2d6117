package io.sluice.agent.xds;

import com.google.protobuf.Any;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import io.sluice.api.xds.sync.Report;
import io.sluice.api.xds.sync.ResourceSyncGrpc;
import io.sluice.api.xds.sync.Snapshot;
import io.sluice.api.xds.sync.TypeState;
import org.jboss.logging.Logger;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The agent's end of ResourceSync. {@link #push} sets the desired configuration (versioned by
 * its content, so an agent restart with the same configuration changes nothing for Envoy); a
 * background thread keeps the stream open and resends the desired configuration on every
 * (re)connect. Thread-safe.
 */
public final class XdsClient implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(XdsClient.class);
    private final ManagedChannel channel;
    private final EpollEventLoopGroup group = new EpollEventLoopGroup(1);
    private final Map<String, EnvoyStatus.TypeStatus> types = new TreeMap<>();
    private final Thread keeper;
    private Snapshot desired = Snapshot.getDefaultInstance();
    /** A recent push: its resources and the types it changed relative to the one before. */
    private record Pushed(List<Any> resources, Set<String> changedTypes) {}

    /** Recent pushes by version: what acknowledging a version means, and whether a rejection still matters. */
    private final Map<String, Pushed> pushed = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Pushed> eldest) {
            return size() > 32;
        }
    };
    private StreamObserver<Snapshot> stream;
    private boolean envoyConnected;
    private String refused = "";
    /** The snapshot version Envoy runs completely, as envoy-xds reports it; empty when unknown. */
    private String running = "";
    private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    /**
     * Resource types pushed and not yet running in Envoy, with when each was first pushed. A type
     * has converged when Envoy acknowledged the desired version for it, or runs that version
     * completely; so a type changed by a version that a later one superseded before Envoy took it
     * counts too, from its first push.
     */
    private final Map<String, Long> unconverged = new TreeMap<>();
    private volatile java.util.function.ObjLongConsumer<String> converged = (type, nanos) -> {};

    public XdsClient(String socket) {
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(group).usePlaintext().build();
        keeper = Thread.ofPlatform().daemon().name("xds-sync").start(this::keepOpen);
    }

    /** Sets the desired configuration; returns its version. */
    public synchronized String push(List<Any> resources) {
        String version = version(resources);
        if (!version.equals(desired.getVersion())) {
            String previous = desired.getVersion();
            desired = Snapshot.newBuilder().setVersion(version).addAllResources(resources).build();
            List<Any> before = pushed.containsKey(previous) ? pushed.get(previous).resources() : List.of();
            Pushed p = new Pushed(List.copyOf(resources), changedTypes(before, resources));
            pushed.put(version, p);
            long now = System.nanoTime();
            p.changedTypes().forEach(type -> unconverged.putIfAbsent(type, now));
            send();
        }
        return version;
    }

    /** Waits until Envoy acknowledged or rejected version, or the timeout passed; returns the status then. */
    public synchronized EnvoyStatus await(String version, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            EnvoyStatus s = status();
            long left = deadline - System.nanoTime();
            if (acknowledged(version) || s.rejected(version) || left <= 0 || !s.envoyConnected()) {
                return s;
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    /**
     * Whether Envoy runs this version: envoy-xds says so, or Envoy acknowledged it for every
     * resource type the version changed (delta xDS sends only changed types, so the others keep
     * the version they last had).
     */
    public synchronized boolean acknowledged(String version) {
        Pushed p = pushed.get(version);
        if (!envoyConnected || p == null) {
            return false;
        }
        if (version.equals(running)) {
            return true;
        }
        return p.changedTypes().stream().allMatch(t -> types.containsKey(t) && types.get(t).acked().equals(version));
    }

    /** Short type names (Listener, RouteConfiguration, Cluster) whose resources differ between two pushes. */
    static Set<String> changedTypes(List<Any> before, List<Any> after) {
        Set<String> out = new TreeSet<>();
        Set<Any> b = new HashSet<>(before), a = new HashSet<>(after);
        for (Any x : before) {
            if (!a.contains(x)) {
                out.add(shortType(x.getTypeUrl()));
            }
        }
        for (Any x : after) {
            if (!b.contains(x)) {
                out.add(shortType(x.getTypeUrl()));
            }
        }
        return out;
    }

    static String shortType(String typeUrl) {
        return typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
    }

    public synchronized EnvoyStatus status() {
        List<EnvoyStatus.TypeStatus> list = new ArrayList<>();
        for (EnvoyStatus.TypeStatus t : types.values()) {
            list.add(stillRejected(t) ? t : new EnvoyStatus.TypeStatus(t.type(), t.acked(), t.sent(), ""));
        }
        if (!refused.isEmpty()) {
            list.add(new EnvoyStatus.TypeStatus("snapshot", "", desired.getVersion(), refused));
        }
        return new EnvoyStatus(stream != null, envoyConnected, desired.getVersion(), list);
    }

    /**
     * A rejection matters while the desired configuration still holds one of the resources that
     * the rejected version added to the type (relative to the version Envoy runs). With delta
     * xDS a resource that is no longer desired is simply not sent again, so nothing else clears it.
     */
    private boolean stillRejected(EnvoyStatus.TypeStatus t) {
        if (t.nack().isEmpty()) {
            return false;
        }
        String rejectedVersion = t.nack().substring(0, Math.max(0, t.nack().indexOf(':')));
        Pushed rejected = pushed.get(rejectedVersion);
        if (rejected == null) {
            return true;
        }
        Set<Any> running = new HashSet<>(pushed.containsKey(t.acked()) ? pushed.get(t.acked()).resources() : List.of());
        Set<Any> current = new HashSet<>(desired.getResourcesList());
        return rejected.resources().stream().filter(a -> a.getTypeUrl().endsWith("." + t.type()))
                .filter(a -> !running.contains(a)).anyMatch(current::contains);
    }

    private void keepOpen() {
        while (!Thread.currentThread().isInterrupted()) {
            synchronized (this) {
                if (stream == null) {
                    open();
                }
            }
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void open() {
        stream = ResourceSyncGrpc.newStub(channel).sync(
                new StreamObserver<>() {
                    @Override
                    public void onNext(Report r) {
                        received(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                        closed();
                    }

                    @Override
                    public void onCompleted() {
                        closed();
                    }
                });
        send();
    }

    /** envoy-xds's report replaces what the agent knew of Envoy's state. */
    private synchronized void received(Report r) {
        envoyConnected = r.getEnvoyConnected();
        running = r.getRunning();
        refused = r.hasRefused() ? r.getRefused().getVersion() + ": " + r.getRefused().getMessage() : "";
        types.clear();
        for (TypeState t : r.getTypesList()) {
            String type = shortType(t.getTypeUrl());
            types.put(type, new EnvoyStatus.TypeStatus(type, t.getAcked(), t.getSent(),
                    t.getNacked().isEmpty() ? "" : t.getNacked() + ": " + t.getNackMessage()));
        }
        String version = desired.getVersion();
        if (envoyConnected && !version.isEmpty()) {
            long now = System.nanoTime();
            unconverged.entrySet().removeIf(e -> {
                boolean runs = version.equals(running) || types.containsKey(e.getKey()) && types.get(e.getKey()).acked().equals(version);
                if (runs) {
                    converged.accept(e.getKey(), now - e.getValue());
                }
                return runs;
            });
        }
        notifyAll();
        listeners.forEach(Runnable::run);
    }

    /**
     * Calls c (on the stream's thread) for each resource type a change touched once Envoy runs it:
     * the type and the nanoseconds from its first push to the report that Envoy runs it.
     */
    public void onConverged(java.util.function.ObjLongConsumer<String> c) {
        converged = c;
    }

    /** Runs r (quickly: on the stream's thread) after each report of Envoy's state. */
    public void onChange(Runnable r) {
        listeners.add(r);
    }

    private synchronized void closed() {
        stream = null;
        envoyConnected = false;
        running = "";
        notifyAll();
        listeners.forEach(Runnable::run);
    }

    private void send() {
        if (stream != null && !desired.getVersion().isEmpty()) {
            try {
                stream.onNext(desired);
            } catch (RuntimeException e) {
                LOG.debugf("xds send failed: %s", e.getMessage());
                stream = null;
            }
        }
    }

    static String version(List<Any> resources) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            resources.forEach(a -> sha.update(a.toByteArray()));
            return HexFormat.of().formatHex(sha.digest(), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        keeper.interrupt();
        channel.shutdownNow();
        group.shutdownGracefully();
    }
}
