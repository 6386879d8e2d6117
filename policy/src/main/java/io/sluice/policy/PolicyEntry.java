package io.sluice.policy;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * The value of a policy row: allow or deny, how it matched, and for an allow either the HTTP
 * rules the L7 proxy enforces or the Envoy listener that takes the connections (neither: every
 * request is allowed, no proxy).
 */
public record PolicyEntry(boolean deny, MatchType matchType, List<HttpRule> http, ProxyListener listener) {
    public PolicyEntry {
        Objects.requireNonNull(matchType, "matchType");
        Objects.requireNonNull(listener, "listener");
        http = List.copyOf(http);
        if (listener.present() && (deny || !http.isEmpty())) {
            throw new IllegalArgumentException("a listener row is an allow without HTTP rules");
        }
    }

    public PolicyEntry(boolean deny, MatchType matchType, List<HttpRule> http) {
        this(deny, matchType, http, ProxyListener.NONE);
    }

    public PolicyEntry(boolean deny, MatchType matchType) {
        this(deny, matchType, List.of());
    }

    /** Whether the policies' own L7 proxy enforces HTTP rules on this row. */
    public boolean l7() {
        return !deny && !http.isEmpty();
    }

    /**
     * Two rules for the same row (Cilium's merge): a deny wins; a listener wins over anything
     * else that allows (the connections go to it whatever else allows them), the preferred of two
     * listeners ({@link ProxyListener#preferred}); an allow without L7 rules allows all of L7 and
     * so wins over one with rules; two sets of L7 rules are united.
     */
    public PolicyEntry merge(PolicyEntry other) {
        if (deny || other.deny) {
            return deny ? this : other;
        }
        if (listener.present() || other.listener.present()) {
            if (!listener.present() || !other.listener.present()) {
                return listener.present() ? this : other;
            }
            return ProxyListener.preferred(listener, other.listener) == listener ? this : other;
        }
        if (http.isEmpty() || other.http.isEmpty()) {
            return http.isEmpty() ? this : other;
        }
        LinkedHashSet<HttpRule> union = new LinkedHashSet<>(http);
        union.addAll(other.http);
        return new PolicyEntry(false, matchType, List.copyOf(union));
    }
}
