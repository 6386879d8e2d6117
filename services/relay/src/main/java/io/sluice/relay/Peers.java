package io.sluice.relay;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.sluice.api.hubble.ClientTls;
import io.sluice.api.hubble.HubbleChannels;
import io.sluice.api.hubble.TlsFailures;
import io.sluice.api.hubble.peer.ChangeNotification;
import io.sluice.api.hubble.peer.NotifyRequest;
import io.sluice.api.hubble.peer.PeerGrpc;
import io.sluice.api.hubble.relay.NodeState;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The nodes the relay serves, as the Peer API announces them. A broken Notify stream (the
 * agent restarting) is retried every second; known peers are kept meanwhile, and their
 * channels reconnect by themselves when the node comes back. A peer announced with a TLS server
 * name is dialed over mutual TLS with the relay's certificate, verifying that name (Hubble's
 * {@code tls.server_name}); one whose certificate the relay does not trust stays unconnected and
 * is reported as an error, never as a connected node. The Peer API itself is dialed plaintext
 * (a unix socket, a host:port) or, as {@code tls://host:port}, over mutual TLS with the same
 * certificate, verifying {@link #PEER_SERVICE_SERVER_NAME} (Hubble's agents' wildcard).
 */
final class Peers implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Peers.class);
    /** Any agent answers the Peer API behind a cluster's Service; each has a certificate for {@code *.default.hubble-grpc.cilium.io}. */
    static final String PEER_SERVICE_SERVER_NAME = "peer-service.default.hubble-grpc.cilium.io";

    /** One node: its name, its Observer API address, the TLS name it is verified by ("" for plaintext), and a channel to it. */
    record Peer(String name, String address, String tlsServerName, ManagedChannel channel) {
        /**
         * Connects now if the channel is idle or waiting out a reconnect backoff (the node came
         * back after a restart), waiting up to {@code timeout}; false if it is still not ready.
         */
        boolean awaitReady(Duration timeout) throws InterruptedException {
            ConnectivityState s = channel.getState(true);
            if (s == ConnectivityState.READY) {
                return true;
            }
            channel.resetConnectBackoff();
            long deadline = System.nanoTime() + timeout.toNanos();
            while ((s = channel.getState(true)) != ConnectivityState.READY && System.nanoTime() < deadline) {
                CountDownLatch changed = new CountDownLatch(1);
                channel.notifyWhenStateChanged(s, changed::countDown);
                changed.await(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            return s == ConnectivityState.READY;
        }
    }

    private final ConcurrentHashMap<String, Peer> peers = new ConcurrentHashMap<>();
    /** The last failure logged per peer, so each new one is logged once. */
    private final ConcurrentHashMap<String, String> failures = new ConcurrentHashMap<>();
    private final String peerService;
    private final ClientTls tls;
    private final Consumer<Boolean> connected;
    /** Whether the Peer API's stream is up, as last said; {@code known} once said the first time. Watcher thread only. */
    private boolean up, known;
    private final Thread watcher;
    private volatile boolean closed;

    /**
     * {@code tls}: how to dial peers announced with TLS (plaintext when the relay has no
     * certificates); {@code connected} hears whether the Peer API's stream is up, each time that changes.
     */
    Peers(String peerService, ClientTls tls, Consumer<Boolean> connected) {
        this.peerService = peerService;
        this.tls = tls;
        this.connected = connected;
        this.watcher = Thread.ofPlatform().daemon().name("peer-watch").start(this::watch);
    }

    /** For tests and benchmarks: a fixed set of peers, no Peer API. */
    Peers(List<Peer> fixed) {
        this.peerService = "";
        this.tls = ClientTls.PLAINTEXT;
        this.connected = c -> { };
        fixed.forEach(p -> peers.put(p.name(), p));
        this.watcher = null;
    }

    Collection<Peer> all() {
        return List.copyOf(peers.values());
    }

    private void watch() {
        while (!closed) {
            ManagedChannel ch;
            try {
                ch = HubbleChannels.open(peerService, peerService.startsWith("tls://")
                        ? tls.withServerName(PEER_SERVICE_SERVER_NAME) : ClientTls.PLAINTEXT);
            } catch (RuntimeException e) {
                LOG.errorf("peer service %s: %s", peerService, e.getMessage());
                return;
            }
            try {
                Iterator<ChangeNotification> it = PeerGrpc.newBlockingStub(ch).notify(NotifyRequest.getDefaultInstance());
                while (it.hasNext()) {
                    apply(it.next());
                    connected(true, ""); // after the first node is known, so "up" means nodes to ask
                }
                connected(false, "the stream ended");
            } catch (StatusRuntimeException e) {
                connected(false, e.getStatus().toString());
            } finally {
                ch.shutdownNow();
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Says so (and logs it) when the Peer API's stream comes up or goes down, and the first time. */
    private void connected(boolean now, String why) {
        if (known && now == up) {
            return;
        }
        known = true;
        up = now;
        if (now) {
            LOG.infof("peer service %s connected", peerService);
        } else {
            LOG.warnf("peer service %s: not connected (%s); trying again every second", peerService, why);
        }
        connected.accept(now);
    }

    private void apply(ChangeNotification n) {
        switch (n.getType()) {
            case PEER_ADDED, PEER_UPDATED -> {
                Peer old = peers.get(n.getName());
                String serverName = n.hasTls() ? n.getTls().getServerName() : "";
                if (old == null || !old.address().equals(n.getAddress()) || !old.tlsServerName().equals(serverName)) {
                    if (!serverName.isEmpty() && tls instanceof ClientTls.Plaintext) {
                        LOG.errorf("peer %s at %s requires TLS (%s) but the relay has no certificates (sluice.relay.tls-*)",
                                n.getName(), n.getAddress(), serverName);
                    }
                    ClientTls dial = serverName.isEmpty() ? ClientTls.PLAINTEXT : tls.withServerName(serverName);
                    Peer p = new Peer(n.getName(), n.getAddress(), serverName, HubbleChannels.open(n.getAddress(), dial));
                    peers.put(n.getName(), p);
                    if (old != null) {
                        old.channel().shutdownNow();
                    }
                    LOG.infof("peer %s at %s%s", n.getName(), n.getAddress(), serverName.isEmpty() ? "" : " (mutual TLS, " + serverName + ")");
                }
            }
            case PEER_DELETED -> {
                Peer old = peers.remove(n.getName());
                if (old != null) {
                    old.channel().shutdownNow();
                    LOG.infof("peer %s gone", n.getName());
                }
            }
            default -> { }
        }
    }

    /**
     * A call to the peer failed: NODE_ERROR when TLS refused the connection (the node may well
     * be up, but the two do not trust each other), else NODE_UNAVAILABLE. A new cause is logged
     * once, with the whole chain, so the relay's log says which side refused.
     */
    NodeState failed(Peer p, Throwable e) {
        Optional<String> tls = TlsFailures.describe(e);
        String what = tls.orElse(String.valueOf(e.getMessage()));
        if (!what.equals(failures.put(p.name(), what))) {
            StringBuilder chain = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                chain.append(chain.isEmpty() ? "" : " <- ").append(t);
            }
            LOG.warnf("peer %s at %s: %s [%s]", p.name(), p.address(), what, chain);
        }
        return stateOf(tls);
    }

    /** How a failed node is reported: NODE_ERROR when TLS refused the connection ({@link TlsFailures}), else NODE_UNAVAILABLE. */
    static NodeState stateOf(Optional<String> tlsFailure) {
        return tlsFailure.isPresent() ? NodeState.NODE_ERROR : NodeState.NODE_UNAVAILABLE;
    }

    /** A call to the peer succeeded: a later failure is news again. */
    void reached(Peer p) {
        if (failures.remove(p.name()) != null) {
            LOG.infof("peer %s at %s: reachable again", p.name(), p.address());
        }
    }

    @Override
    public void close() {
        closed = true;
        if (watcher != null) {
            watcher.interrupt();
        }
        peers.values().forEach(p -> p.channel().shutdownNow());
    }
}
