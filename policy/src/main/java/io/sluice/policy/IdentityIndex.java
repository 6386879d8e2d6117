package io.sluice.policy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every identity a policy may name, with the CIDR of each prefix identity and the named ports
 * of each endpoint identity. Immutable; selections are memoised, so one index should serve a
 * whole round of resolution. Thread-safe.
 */
public final class IdentityIndex {
    private final List<Identity> identities;
    private final Map<Integer, Cidr> cidrs;
    private final Map<Integer, Map<String, NamedPort>> namedPorts;
    private final Map<Selector, int[]> selections = new ConcurrentHashMap<>();

    public IdentityIndex(Collection<Identity> identities, Map<Integer, Cidr> cidrs,
                         Map<Integer, Map<String, NamedPort>> namedPorts) {
        this.identities = List.copyOf(identities);
        this.cidrs = Map.copyOf(cidrs);
        Map<Integer, Map<String, NamedPort>> copy = new HashMap<>();
        namedPorts.forEach((k, v) -> copy.put(k, Map.copyOf(v)));
        this.namedPorts = Map.copyOf(copy);
    }

    public List<Identity> identities() {
        return identities;
    }

    /**
     * Identities an endpoint selector picks: allocated (pod) identities whose labels match,
     * and reserved ones only when the selector names a {@code reserved:} label.
     */
    public int[] select(Selector selector) {
        return selections.computeIfAbsent(selector, s -> {
            boolean reserved = s.requirements().stream().anyMatch(r -> r.source().equals(Label.RESERVED));
            return identities.stream()
                    .filter(i -> !i.local() && (reserved || !i.reserved()))
                    .filter(i -> s.matches(i.labels()))
                    .mapToInt(Identity::id).toArray();
        });
    }

    /** Prefix identities inside cidr and outside every except; 0.0.0.0/0 also means world. */
    public int[] select(Peer.Cidrs peer) {
        List<Integer> out = new ArrayList<>();
        if (peer.cidr().prefixLen() == 0) {
            out.add(Identity.WORLD);
        }
        cidrs.forEach((id, prefix) -> {
            if (peer.cidr().contains(prefix) && peer.except().stream().noneMatch(e -> e.contains(prefix))) {
                out.add(id);
            }
        });
        return out.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    /** Identities an entity stands for; {@link Entity#ALL} is the wildcard {@link Identity#ANY}. */
    public int[] select(Entity entity) {
        return switch (entity) {
            case ALL -> new int[]{Identity.ANY};
            case WORLD -> new int[]{Identity.WORLD, Identity.WORLD_IPV4, Identity.WORLD_IPV6};
            case HOST -> new int[]{Identity.HOST};
            case REMOTE_NODE -> new int[]{Identity.REMOTE_NODE};
            case KUBE_APISERVER -> new int[]{Identity.KUBE_APISERVER};
            case INIT -> new int[]{Identity.INIT};
            case HEALTH -> new int[]{Identity.HEALTH};
            case UNMANAGED -> new int[]{Identity.UNMANAGED};
            case INGRESS -> new int[]{Identity.INGRESS};
            case NONE -> new int[0];
            case CLUSTER -> identities.stream()
                    .filter(i -> !i.local() && i.id() != Identity.WORLD && i.id() != Identity.WORLD_IPV4
                            && i.id() != Identity.WORLD_IPV6)
                    .mapToInt(Identity::id).toArray();
        };
    }

    public Map<String, NamedPort> namedPorts(int identity) {
        return namedPorts.getOrDefault(identity, Map.of());
    }
}
