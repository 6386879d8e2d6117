package io.sluice.policy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Resolves the rules that select an endpoint into its policy map rows.
 *
 * <p>Rules implemented: a direction is default-deny once any selecting rule has rules in it
 * (unless its enableDefaultDeny says otherwise); deny rows win over allow rows of the same
 * identity that they cover (and over the any-identity row at lookup time, in the datapath);
 * ANY with a port means TCP, UDP and SCTP; named ports resolve against the subject (ingress)
 * or the selected peers (egress), and an unknown name contributes nothing.
 *
 * <p>Pure and deterministic: same rules and identities in, same table out.
 */
public final class Policies {
    private Policies() {}

    public static EndpointPolicy resolve(PolicySubject subject, List<PolicyRule> rules, IdentityIndex peers) {
        List<PolicyRule> selecting = rules.stream().filter(r -> r.subject().matches(subject.labels())).toList();
        if (selecting.isEmpty()) {
            return EndpointPolicy.NONE;
        }
        Map<PolicyKey, PolicyEntry> rows = new HashMap<>();
        for (Direction d : Direction.values()) {
            for (PolicyRule r : selecting) {
                r.denies(d).forEach(pr -> add(rows, subject, pr, d, true, peers));
            }
            for (PolicyRule r : selecting) {
                r.allows(d).forEach(pr -> add(rows, subject, pr, d, false, peers));
            }
        }
        pruneShadowedAllows(rows);
        return new EndpointPolicy(selecting.stream().anyMatch(r -> r.enforces(Direction.INGRESS)),
                selecting.stream().anyMatch(r -> r.enforces(Direction.EGRESS)), rows);
    }

    /**
     * Whether a rule's result can change when identity id comes or goes: some peer of it
     * selects id (an endpoint selector matching it, or the cluster entity). Prefix (CIDR)
     * peers and the any-identity wildcard do not depend on pod identities.
     */
    public static boolean affects(PolicyRule rule, Identity id) {
        for (Direction d : Direction.values()) {
            for (PeerRule pr : java.util.stream.Stream.concat(rule.allows(d).stream(), rule.denies(d).stream()).toList()) {
                for (Peer p : pr.peers()) {
                    boolean hit = switch (p) {
                        case Peer.Endpoints e -> e.selector().matches(id.labels());
                        case Peer.Entities e -> e.entities().contains(Entity.CLUSTER);
                        case Peer.Cidrs c -> false;
                    };
                    if (hit) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** The identities a rule element names; [ANY] when it names ports but no peer. */
    static int[] peersOf(PeerRule rule, IdentityIndex index) {
        if (rule.peers().isEmpty()) {
            return rule.ports().isEmpty() ? new int[0] : new int[]{Identity.ANY};
        }
        TreeSet<Integer> ids = new TreeSet<>();
        for (Peer p : rule.peers()) {
            int[] selected = switch (p) {
                case Peer.Endpoints e -> index.select(e.selector());
                case Peer.Entities e -> e.entities().stream().flatMapToInt(x -> java.util.Arrays.stream(index.select(x))).toArray();
                case Peer.Cidrs c -> index.select(c);
            };
            for (int id : selected) {
                ids.add(id);
            }
        }
        if (ids.contains(Identity.ANY)) {
            return new int[]{Identity.ANY};
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void add(Map<PolicyKey, PolicyEntry> rows, PolicySubject subject, PeerRule rule, Direction d,
                            boolean deny, IdentityIndex index) {
        int[] ids = peersOf(rule, index);
        if (ids.length == 0) {
            return;
        }
        boolean anyPeer = ids.length == 1 && ids[0] == Identity.ANY;
        List<Block> blocks = rule.ports().isEmpty() ? List.of(Block.ANY)
                : blocksOf(rule.ports(), d == Direction.INGRESS ? subject.namedPorts() : peerPorts(ids, index));
        for (int id : ids) {
            for (Block b : blocks) {
                PolicyKey key = new PolicyKey(id, d, b.protocol(), b.port(), b.bits());
                // L7 rules and listeners apply to TCP; UDP and SCTP rows of an ANY port stay plain allows.
                boolean tcp = b.protocol() == Protocol.TCP;
                PolicyEntry entry = new PolicyEntry(deny, MatchType.of(anyPeer, b.protocol() == Protocol.ANY || b.bits() == 0),
                        tcp ? rule.http() : List.of(), tcp && !deny ? rule.listener() : ProxyListener.NONE);
                rows.merge(key, entry, PolicyEntry::merge);
            }
        }
    }

    private record Block(Protocol protocol, int port, int bits) {
        static final Block ANY = new Block(Protocol.ANY, 0, 0);
    }

    private static List<Block> blocksOf(List<PortProtocol> ports, Map<String, NamedPort> names) {
        List<Block> out = new ArrayList<>();
        for (PortProtocol pp : ports) {
            int from = pp.port(), to = pp.endPort() > pp.port() ? pp.endPort() : pp.port();
            Protocol proto = pp.protocol();
            if (pp.named()) {
                NamedPort np = names.get(pp.name());
                if (np == null) {
                    continue;
                }
                from = to = np.port();
                proto = pp.protocol() == Protocol.ANY ? np.protocol() : pp.protocol();
            }
            if (proto == Protocol.ANY && from == 0) {
                out.add(Block.ANY);
                continue;
            }
            for (Protocol p : proto.expand()) {
                for (PortRanges.Block b : PortRanges.blocks(from, to)) {
                    out.add(new Block(p, b.start(), b.bits()));
                }
            }
        }
        return out;
    }

    private static Map<String, NamedPort> peerPorts(int[] ids, IdentityIndex index) {
        Map<String, NamedPort> out = new HashMap<>();
        for (int id : ids) {
            index.namedPorts(id).forEach(out::putIfAbsent);
        }
        return out;
    }

    /**
     * Drops allow rows that a deny row of the same identity covers. Needed because an LPM
     * lookup returns the longest prefix only: a narrow allow would otherwise hide a wide deny.
     */
    private static void pruneShadowedAllows(Map<PolicyKey, PolicyEntry> rows) {
        Map<Long, List<PolicyKey>> denies = new HashMap<>();
        rows.forEach((k, v) -> {
            if (v.deny()) {
                denies.computeIfAbsent(group(k), g -> new ArrayList<>()).add(k);
            }
        });
        if (denies.isEmpty()) {
            return;
        }
        rows.entrySet().removeIf(e -> !e.getValue().deny()
                && denies.getOrDefault(group(e.getKey()), List.of()).stream().anyMatch(d -> e.getKey().within(d)));
    }

    private static long group(PolicyKey k) {
        return ((long) k.identity() << 1) | k.direction().code;
    }
}
