package io.sluice.policy;

import java.util.List;
import java.util.Objects;

/**
 * One rule of a CiliumNetworkPolicy (or clusterwide one), already scoped: a namespaced
 * policy's subject and peer selectors carry its namespace (see {@link Selector#inNamespace}).
 * {@code source} names the policy for status and verdict reporting ({@code default/rule1}).
 */
public record PolicyRule(String source, Selector subject, List<PeerRule> ingress, List<PeerRule> ingressDeny,
                         List<PeerRule> egress, List<PeerRule> egressDeny, DefaultDeny defaultDeny) {

    /** enableDefaultDeny: whether this rule turns on default-deny for a direction it has rules in. */
    public record DefaultDeny(boolean ingress, boolean egress) {
        public static final DefaultDeny BOTH = new DefaultDeny(true, true);
    }

    public PolicyRule {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(defaultDeny, "defaultDeny");
        ingress = List.copyOf(ingress);
        ingressDeny = List.copyOf(ingressDeny);
        egress = List.copyOf(egress);
        egressDeny = List.copyOf(egressDeny);
    }

    /** Whether the rule says anything about a direction (which makes it default-deny there). */
    public boolean enforces(Direction d) {
        return switch (d) {
            case INGRESS -> defaultDeny.ingress() && (!ingress.isEmpty() || !ingressDeny.isEmpty());
            case EGRESS -> defaultDeny.egress() && (!egress.isEmpty() || !egressDeny.isEmpty());
        };
    }

    /** The Envoy listeners its egress rules hand connections to, by qualified name. */
    public java.util.Set<String> listeners() {
        java.util.Set<String> out = new java.util.TreeSet<>();
        egress.stream().filter(pr -> pr.listener().present()).forEach(pr -> out.add(pr.listener().name()));
        return out;
    }

    public List<PeerRule> allows(Direction d) {
        return d == Direction.INGRESS ? ingress : egress;
    }

    public List<PeerRule> denies(Direction d) {
        return d == Direction.INGRESS ? ingressDeny : egressDeny;
    }
}
