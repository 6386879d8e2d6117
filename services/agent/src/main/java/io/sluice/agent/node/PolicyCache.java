package io.sluice.agent.node;

import io.sluice.policy.Cidr;
import io.sluice.policy.EndpointPolicy;
import io.sluice.policy.Identity;
import io.sluice.policy.IdentityIndex;
import io.sluice.policy.Policies;
import io.sluice.policy.PolicyRule;
import io.sluice.policy.PolicySubject;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Resolved policies per subject (endpoints with the same labels and ports share one), kept
 * between reconciles. A change of rules or CIDR identities recomputes everything; an identity
 * that comes or goes recomputes only the subjects of rules whose peers select it, which is
 * what keeps adding a pod cheap. Not thread-safe: the node owns it.
 */
public final class PolicyCache {
    private final Map<PolicySubject, EndpointPolicy> resolved = new HashMap<>();
    private List<PolicyRule> rules = List.of();
    private Map<Cidr, Integer> cidrs = Map.of();
    private Map<Integer, Identity> identities = Map.of();
    private Map<Integer, Map<String, io.sluice.policy.NamedPort>> ports = Map.of();

    public Map<PolicySubject, EndpointPolicy> resolve(Collection<PolicySubject> subjects, List<PolicyRule> newRules,
                                                      Map<Cidr, Integer> newCidrs, Collection<Identity> allIdentities) {
        Map<Integer, Identity> ids = new HashMap<>();
        allIdentities.forEach(i -> ids.put(i.id(), i));
        Map<Integer, Map<String, io.sluice.policy.NamedPort>> newPorts = namedPorts(subjects, ids);
        if (!newRules.equals(rules) || !newCidrs.equals(cidrs) || !newPorts.equals(ports)) {
            resolved.clear();
        } else {
            invalidateTouched(newRules, changed(identities, ids));
        }
        rules = List.copyOf(newRules);
        cidrs = Map.copyOf(newCidrs);
        identities = ids;
        ports = newPorts;
        Map<Integer, Cidr> cidrById = new HashMap<>();
        newCidrs.forEach((c, id) -> cidrById.put(id, c));
        IdentityIndex index = new IdentityIndex(allIdentities, cidrById, newPorts);
        Set<PolicySubject> live = new HashSet<>(subjects);
        resolved.keySet().retainAll(live);
        Map<PolicySubject, EndpointPolicy> out = new HashMap<>();
        for (PolicySubject s : live) {
            out.put(s, resolved.computeIfAbsent(s, x -> Policies.resolve(x, rules, index)));
        }
        return out;
    }

    private static Set<Identity> changed(Map<Integer, Identity> before, Map<Integer, Identity> after) {
        Set<Identity> out = new HashSet<>();
        after.forEach((id, i) -> {
            if (!i.equals(before.get(id))) {
                out.add(i);
            }
        });
        before.forEach((id, i) -> {
            if (!after.containsKey(id)) {
                out.add(i);
            }
        });
        return out;
    }

    private void invalidateTouched(List<PolicyRule> current, Set<Identity> changed) {
        if (changed.isEmpty()) {
            return;
        }
        List<PolicyRule> touched = current.stream()
                .filter(r -> changed.stream().anyMatch(i -> Policies.affects(r, i))).toList();
        resolved.keySet().removeIf(s -> touched.stream().anyMatch(r -> r.subject().matches(s.labels())));
    }

    /** Named ports by identity, for egress rules that name a peer's port (PolicySubject carries them). */
    private static Map<Integer, Map<String, io.sluice.policy.NamedPort>> namedPorts(
            Collection<PolicySubject> subjects, Map<Integer, Identity> ids) {
        Map<io.sluice.policy.Labels, Integer> byLabels = new HashMap<>();
        ids.forEach((id, i) -> byLabels.put(i.labels(), id));
        Map<Integer, Map<String, io.sluice.policy.NamedPort>> out = new HashMap<>();
        for (PolicySubject s : subjects) {
            Integer id = byLabels.get(s.labels());
            if (id != null && !s.namedPorts().isEmpty()) {
                out.computeIfAbsent(id, k -> new HashMap<>()).putAll(s.namedPorts());
            }
        }
        return out;
    }
}
