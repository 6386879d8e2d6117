package io.sluice.bpf.datapath;

import io.sluice.bpf.BpfMap;
import io.sluice.bpf.BpfObject;
import io.sluice.bpf.BpfProgram;
import io.sluice.bpf.MapSpec;
import io.sluice.bpf.MapType;
import io.sluice.bpf.TcHook;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The loaded datapath: its programs and typed maps, pinned under one bpffs directory.
 * Opening it again (a restarted agent) reuses every pinned map, so enforcement and conntrack
 * carry on; {@link #attach} then swaps in the new programs atomically.
 * Thread-safe.
 */
public final class Datapath implements AutoCloseable {
    public static final String OBJECT = "/bpf/datapath.bpf.o";
    private static final int POLICY_ENTRIES = 16384;
    /** The host's lo (ifindex 1 in every network namespace). */
    public static final int LOOPBACK = 1;

    private final Path pinRoot;
    private final BpfObject object;
    private final BpfMap policyOuter;
    private final Map<Integer, TypedMap<PolicyEntryKey, PolicyEntryValue>> policies = new HashMap<>();
    public final TypedMap<IpcacheKey, IpcacheValue> ipcache;
    public final TypedMap<Integer, EndpointValue> endpoints;
    public final TypedMap<ServiceKey, ServiceValue> services;
    public final TypedMap<BackendKey, BackendValue> backends;
    /** Service frontends taken by an Envoy listener (key as {@link #services}). */
    public final TypedMap<ServiceKey, L7FrontendValue> l7Frontends;
    public final TypedMap<Integer, DatapathConfig> config;

    private Datapath(Path pinRoot, BpfObject object) {
        this.pinRoot = pinRoot;
        this.object = object;
        this.policyOuter = object.map("sluice_policy");
        this.ipcache = new TypedMap<>(object.map("sluice_ipcache"), IpcacheKey.CODEC, IpcacheValue.CODEC);
        this.endpoints = new TypedMap<>(object.map("sluice_endpoints"), EndpointValue.IFINDEX, EndpointValue.CODEC);
        this.services = new TypedMap<>(object.map("sluice_services"), ServiceKey.CODEC, ServiceValue.CODEC);
        this.backends = new TypedMap<>(object.map("sluice_backends"), BackendKey.CODEC, BackendValue.CODEC);
        this.l7Frontends = new TypedMap<>(object.map("sluice_l7_frontends"), ServiceKey.CODEC, L7FrontendValue.CODEC);
        this.config = new TypedMap<>(object.map("sluice_config"), DatapathConfig.INDEX, DatapathConfig.CODEC);
    }

    /** Loads the datapath shipped in this jar, reusing what is pinned under pinRoot. */
    public static Datapath open(Path pinRoot) {
        return new Datapath(pinRoot, BpfObject.loadResource(OBJECT, pinRoot));
    }

    public BpfMap events() {
        return object.map("sluice_events");
    }

    /** Events the datapath could not hand over because the ring buffer was full, since the map was created. */
    public long eventsLost() {
        byte[] zero = EndpointValue.IFINDEX.encode(0);
        return object.map("sluice_events_lost").lookup(zero)
                .map(v -> java.nio.ByteBuffer.wrap(v).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong()).orElse(0L);
    }

    public BpfMap conntrack() {
        return object.map("sluice_ct");
    }

    public BpfProgram fromContainer() {
        return object.program("from_container");
    }

    public BpfProgram toContainer() {
        return object.program("to_container");
    }

    /** The host lo's ingress program: hands marked connections to the proxy's listener. */
    public BpfProgram toProxy() {
        return object.program("to_proxy");
    }

    /** The program for the tc ingress of the node's own devices: connections from outside the node to the proxy. */
    public BpfProgram fromNetdev() {
        return object.program("from_netdev");
    }

    /** Attaches {@link #fromNetdev} to the ingress of one of the node's devices (replacing an earlier one in place). */
    public void attachDevice(int ifindex) {
        TcHook.attach(ifindex, TcHook.Side.INGRESS, fromNetdev());
    }

    public static void detachDevice(int ifindex) {
        TcHook.detach(ifindex, TcHook.Side.INGRESS);
    }

    /** Attaches both programs to a pod veth's host end (replacing earlier ones in place). */
    public void attach(int ifindex) {
        TcHook.attach(ifindex, TcHook.Side.INGRESS, fromContainer());
        TcHook.attach(ifindex, TcHook.Side.EGRESS, toContainer());
    }

    public void detach(int ifindex) {
        TcHook.detach(ifindex, TcHook.Side.INGRESS);
        TcHook.detach(ifindex, TcHook.Side.EGRESS);
    }

    /**
     * Attaches {@code to_proxy} to the ingress of the host's lo, where the pods' programs hand
     * connections between the proxy's two listeners (datapath.c, from_proxy). It uses no map, so
     * any node's copy serves every node on the host.
     */
    public void attachLoopback() {
        TcHook.attach(LOOPBACK, TcHook.Side.INGRESS, toProxy());
    }

    public static void detachLoopback() {
        TcHook.detach(LOOPBACK, TcHook.Side.INGRESS);
    }

    /**
     * The policy map of an endpoint: reopened from its pin if a previous run made it, else
     * created, pinned and linked into the outer map. Creating it does not enforce anything:
     * enforcement is switched on per direction in the endpoint's flags.
     */
    public synchronized TypedMap<PolicyEntryKey, PolicyEntryValue> policy(int endpointId) {
        return policies.computeIfAbsent(endpointId, id -> {
            Path pin = policyPin(id);
            BpfMap inner;
            if (Files.exists(pin)) {
                inner = BpfMap.openPinned(pin.toString());
            } else {
                inner = BpfMap.create(new MapSpec(MapType.LPM_TRIE, "sluice_pol_" + id, PolicyEntryKey.CODEC.size(),
                        PolicyEntryValue.CODEC.size(), POLICY_ENTRIES, MapSpec.NO_PREALLOC));
                inner.pin(pin.toString());
            }
            policyOuter.update(EndpointValue.IFINDEX.encode(id), EndpointValue.IFINDEX.encode(inner.fd()), BpfMap.ANY);
            return new TypedMap<>(inner, PolicyEntryKey.CODEC, PolicyEntryValue.CODEC);
        });
    }

    /** Unlinks and unpins an endpoint's policy map. Idempotent. */
    public synchronized void removePolicy(int endpointId) {
        policyOuter.delete(EndpointValue.IFINDEX.encode(endpointId));
        TypedMap<PolicyEntryKey, PolicyEntryValue> m = policies.remove(endpointId);
        if (m != null) {
            m.map().close();
        }
        try {
            Files.deleteIfExists(policyPin(endpointId));
        } catch (IOException e) {
            throw new UncheckedIOException("unpin policy map of endpoint " + endpointId, e);
        }
    }

    private Path policyPin(int endpointId) {
        try {
            Path dir = Files.createDirectories(pinRoot.resolve("policy"));
            return dir.resolve(Integer.toString(endpointId));
        } catch (IOException e) {
            throw new UncheckedIOException("create " + pinRoot.resolve("policy"), e);
        }
    }

    /** Reads events until closed; see {@link io.sluice.bpf.RingBufferReader}. */
    public io.sluice.bpf.RingBufferReader readEvents(Consumer<DatapathEvent> consumer) {
        return new io.sluice.bpf.RingBufferReader(events(), raw -> consumer.accept(DatapathEvent.decode(raw)));
    }

    /** Removes every pin under the root (maps stay alive only while something else holds them). */
    public static void unpinAll(Path pinRoot) {
        if (!Files.exists(pinRoot)) {
            return;
        }
        try (var walk = Files.walk(pinRoot)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException("unpin " + p, e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("walk " + pinRoot, e);
        }
    }

    @Override
    public synchronized void close() {
        policies.values().forEach(m -> m.map().close());
        policies.clear();
        object.close();
    }

}
