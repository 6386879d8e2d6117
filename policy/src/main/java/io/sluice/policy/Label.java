package io.sluice.policy;

import java.util.Objects;

/**
 * One label with its source, printed as {@code source:key=value} (for instance
 * {@code k8s:org=empire}, {@code reserved:host}, {@code cidr:10.0.0.0/8}).
 */
public record Label(String source, String key, String value) implements Comparable<Label> {
    public static final String K8S = "k8s", RESERVED = "reserved", CIDR = "cidr", ANY = "any";
    /** The label that carries a pod's namespace. */
    public static final String NAMESPACE = "io.kubernetes.pod.namespace";

    public Label {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }

    public static Label k8s(String key, String value) {
        return new Label(K8S, key, value);
    }

    @Override
    public int compareTo(Label o) {
        int c = source.compareTo(o.source);
        if (c == 0) {
            c = key.compareTo(o.key);
        }
        return c != 0 ? c : value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return source + ":" + key + (value.isEmpty() ? "" : "=" + value);
    }
}
