package io.sluice.relay;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.sluice.api.hubble.HubbleChannels;
import io.sluice.api.hubble.peer.ChangeNotification;
import io.sluice.api.hubble.peer.NotifyRequest;
import io.sluice.api.hubble.peer.PeerGrpc;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The nodes the relay serves, as the Peer API announces them. A broken Notify stream (the
 * agent restarting) is retried every second; known peers are kept meanwhile, and their
 * channels reconnect by themselves when the node comes back.
 */
final class Peers implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Peers.class);

    /** One node: its name, its Observer API address, and a channel to it. */
    record Peer(String name, String address, ManagedChannel channel) {
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
    private final String peerService;
    private final Thread watcher;
    private volatile boolean closed;

    Peers(String peerService) {
        this.peerService = peerService;
        this.watcher = Thread.ofPlatform().daemon().name("peer-watch").start(this::watch);
    }

    /** For tests and benchmarks: a fixed set of peers, no Peer API. */
    Peers(List<Peer> fixed) {
        this.peerService = "";
        fixed.forEach(p -> peers.put(p.name(), p));
        this.watcher = null;
    }

    Collection<Peer> all() {
        return List.copyOf(peers.values());
    }

    private void watch() {
        while (!closed) {
            ManagedChannel ch = HubbleChannels.open(peerService);
            try {
                Iterator<ChangeNotification> it = PeerGrpc.newBlockingStub(ch).notify(NotifyRequest.getDefaultInstance());
                while (it.hasNext()) {
                    apply(it.next());
                }
            } catch (StatusRuntimeException e) {
                LOG.debugf("peer service %s: %s", peerService, e.getStatus());
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

    private void apply(ChangeNotification n) {
        switch (n.getType()) {
            case PEER_ADDED, PEER_UPDATED -> {
                Peer old = peers.get(n.getName());
                if (old == null || !old.address().equals(n.getAddress())) {
                    Peer p = new Peer(n.getName(), n.getAddress(), HubbleChannels.open(n.getAddress()));
                    peers.put(n.getName(), p);
                    if (old != null) {
                        old.channel().shutdownNow();
                    }
                    LOG.infof("peer %s at %s", n.getName(), n.getAddress());
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

    @Override
    public void close() {
        closed = true;
        if (watcher != null) {
            watcher.interrupt();
        }
        peers.values().forEach(p -> p.channel().shutdownNow());
    }
}
