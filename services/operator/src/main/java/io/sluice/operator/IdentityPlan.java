package io.sluice.operator;

import io.sluice.policy.Labels;
import io.sluice.policy.PodIdentity;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One pass of identity allocation, pure: which label sets in use have no CiliumIdentity yet (and
 * the number each gets), and which identities have been unused for the grace period.
 *
 * @param create number -> label set, for the objects to create
 * @param delete names of the objects to delete
 */
record IdentityPlan(Map<Integer, Labels> create, List<String> delete) {

    /**
     * @param used        the label sets of the cluster's pods (repeats allowed)
     * @param existing    the CiliumIdentity objects: name -> label set
     * @param unusedSince when each unused identity was first seen unused; updated by this call
     */
    static IdentityPlan of(List<Labels> used, Map<String, Labels> existing, Map<String, Instant> unusedSince, Instant now,
                           Duration grace) {
        Map<String, Integer> taken = new HashMap<>();
        existing.forEach((name, labels) -> {
            try {
                taken.put(labels.toString(), Integer.parseInt(name));
            } catch (NumberFormatException e) {
                // not a number: not an identity of the cluster-scoped range; never reused nor collected
            }
        });
        Map<Integer, Labels> create = new LinkedHashMap<>();
        Map<String, Labels> wanted = new HashMap<>();
        for (Labels l : used) {
            wanted.put(l.toString(), l);
            if (!taken.containsKey(l.toString())) {
                int id = PodIdentity.allocate(l, taken);
                taken.put(l.toString(), id);
                create.put(id, l);
            }
        }
        List<String> delete = new ArrayList<>();
        unusedSince.keySet().retainAll(existing.keySet());
        existing.forEach((name, labels) -> {
            if (parse(name) == null || wanted.containsKey(labels.toString())) {
                unusedSince.remove(name);
                return;
            }
            Instant since = unusedSince.computeIfAbsent(name, n -> now);
            if (!since.plus(grace).isAfter(now)) {
                delete.add(name);
                unusedSince.remove(name);
            }
        });
        return new IdentityPlan(create, delete);
    }

    private static Integer parse(String name) {
        try {
            return Integer.parseInt(name);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
