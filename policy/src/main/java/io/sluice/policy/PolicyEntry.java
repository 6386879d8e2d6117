package io.sluice.policy;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * The value of a policy row: allow or deny, how it matched, and for an allow the HTTP rules
 * the L7 proxy enforces (empty: every request is allowed, no proxy).
 */
public record PolicyEntry(boolean deny, MatchType matchType, List<HttpRule> http) {
    public PolicyEntry {
        Objects.requireNonNull(matchType, "matchType");
        http = List.copyOf(http);
    }

    public PolicyEntry(boolean deny, MatchType matchType) {
        this(deny, matchType, List.of());
    }

    public boolean l7() {
        return !deny && !http.isEmpty();
    }

    /**
     * Two rules for the same row (Cilium's merge): a deny wins; an allow without L7 rules allows
     * all of L7 and so wins over one with rules; two sets of L7 rules are united.
     */
    public PolicyEntry merge(PolicyEntry other) {
        if (deny || other.deny) {
            return deny ? this : other;
        }
        if (http.isEmpty() || other.http.isEmpty()) {
            return http.isEmpty() ? this : other;
        }
        LinkedHashSet<HttpRule> union = new LinkedHashSet<>(http);
        union.addAll(other.http);
        return new PolicyEntry(false, matchType, List.copyOf(union));
    }
}
