package io.sluice.policy;

import java.util.List;
import java.util.Objects;

/**
 * One term of a label selector. {@code source} is {@code any} unless the selector key named
 * one ({@code k8s:org}); matchLabels entries become {@code In} with one value.
 */
public record Requirement(String source, String key, Operator operator, List<String> values) {
    public enum Operator { IN, NOT_IN, EXISTS, DOES_NOT_EXIST }

    public Requirement {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(operator, "operator");
        values = List.copyOf(values);
    }

    /** Splits an optional source prefix off a selector key: {@code k8s:org} -> (k8s, org). */
    public static Requirement of(String selectorKey, Operator operator, List<String> values) {
        int colon = selectorKey.indexOf(':');
        String source = colon > 0 ? selectorKey.substring(0, colon) : Label.ANY;
        String key = colon > 0 ? selectorKey.substring(colon + 1) : selectorKey;
        return new Requirement(source, key, operator, values);
    }

    /** Kubernetes semantics: NotIn and DoesNotExist match labels that lack the key. */
    public boolean matches(Labels labels) {
        var value = labels.get(source, key);
        return switch (operator) {
            case IN -> value.isPresent() && values.contains(value.get());
            case NOT_IN -> value.isEmpty() || !values.contains(value.get());
            case EXISTS -> value.isPresent();
            case DOES_NOT_EXIST -> value.isEmpty();
        };
    }
}
