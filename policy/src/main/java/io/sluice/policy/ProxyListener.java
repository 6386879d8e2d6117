package io.sluice.policy;

import java.util.Objects;

/**
 * The Envoy listener a CNP {@code toPorts[].listener} hands matching connections to
 * (COMPAT.md section 8): its qualified name, {@code ns/cec/listener} for a CiliumEnvoyConfig or
 * {@code /ccec/listener} for a clusterwide one, and its priority, 1-100 (lower wins when two
 * rules name different listeners for the same row; 100 when the rule gives none).
 * {@link #NONE} is the absence of one.
 */
public record ProxyListener(String name, int priority) {
    public static final ProxyListener NONE = new ProxyListener("", 0);
    public static final int DEFAULT_PRIORITY = 100;

    public ProxyListener {
        Objects.requireNonNull(name, "name");
        if (!name.isEmpty() && (priority < 1 || priority > 100)) {
            throw new IllegalArgumentException("priority " + priority + " is not in 1-100");
        }
    }

    public boolean present() {
        return !name.isEmpty();
    }

    /** Of two listeners for one row, the one that wins: the lower priority, then the first name. */
    static ProxyListener preferred(ProxyListener a, ProxyListener b) {
        if (a.priority != b.priority) {
            return a.priority < b.priority ? a : b;
        }
        return a.name.compareTo(b.name) <= 0 ? a : b;
    }
}
