package io.sluice.agent.node;

import io.sluice.policy.Cidr;
import io.sluice.policy.Identity;
import io.sluice.policy.PolicyRule;

import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Picks the lowest free number or address; pure. */
public final class Allocations {
    private Allocations() {}

    /** The lowest integer >= first not in used, or fails when none is left below limit. */
    static int lowestFree(Collection<Integer> used, int first, int limit, String what) {
        Set<Integer> taken = new HashSet<>(used);
        for (int i = first; i < limit; i++) {
            if (!taken.contains(i)) {
                return i;
            }
        }
        throw new NodeException(507, "no free " + what + " left (" + (limit - first) + " in use)");
    }

    /**
     * An identity for each CIDR the rules name: the one stored for it, or the lowest free one
     * from {@link Identity#FIRST_LOCAL}, added to stored (CIDR text -> identity) so it stays.
     */
    public static Map<Cidr, Integer> cidrIdentities(List<PolicyRule> rules, Map<String, Integer> stored) {
        Map<Cidr, Integer> ids = new LinkedHashMap<>();
        for (Cidr c : DesiredState.cidrsOf(rules)) {
            ids.put(c, stored.computeIfAbsent(c.toString(), k -> lowestFree(stored.values(), Identity.FIRST_LOCAL,
                    Integer.MAX_VALUE, "CIDR identity")));
        }
        return ids;
    }

    /** A free host address of cidr, skipping the network address, host 1 (the router) and broadcast. */
    static int freeAddress(Cidr cidr, Collection<Integer> used, String what) {
        int hosts = Math.min(cidr.size(), 1 << 20);
        return cidr.address() + lowestFree(used.stream().map(a -> a - cidr.address()).toList(), 2, hosts - 1, what);
    }
}
