package io.sluice.policy;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * An immutable, sorted set of labels: the input of identity allocation and selector matching.
 * A value class rather than a record because selector matching is the engine's hot path: it
 * keeps an index by key and its hash, so a lookup is one hash probe, not a walk of the set.
 */
public final class Labels {
    private final Label[] sorted;
    private final Map<String, Label[]> byKey;
    private final int hash;

    public Labels(Collection<Label> labels) {
        this.sorted = new TreeSet<>(labels).toArray(Label[]::new);
        Map<String, List<Label>> index = new HashMap<>();
        for (Label l : sorted) {
            index.computeIfAbsent(l.key(), k -> new java.util.ArrayList<>()).add(l);
        }
        this.byKey = new HashMap<>();
        index.forEach((k, v) -> byKey.put(k, v.toArray(Label[]::new)));
        this.hash = Arrays.hashCode(sorted);
    }

    public static Labels of(Label... labels) {
        return new Labels(List.of(labels));
    }

    /** A pod's labels: its own (source k8s) plus the namespace label. */
    public static Labels ofPod(String namespace, Map<String, String> podLabels) {
        List<Label> list = new java.util.ArrayList<>();
        podLabels.forEach((k, v) -> list.add(Label.k8s(k, v)));
        list.add(Label.k8s(Label.NAMESPACE, namespace));
        return new Labels(list);
    }

    public SortedSet<Label> all() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(Arrays.asList(sorted)));
    }

    /** The value of key under the given source, or under any source when source is {@code any}. */
    public Optional<String> get(String source, String key) {
        Label[] candidates = byKey.get(key);
        if (candidates == null) {
            return Optional.empty();
        }
        for (Label l : candidates) {
            if (source.equals(Label.ANY) || l.source().equals(source)) {
                return Optional.of(l.value());
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean equals(Object o) {
        return o == this || (o instanceof Labels other && hash == other.hash && Arrays.equals(sorted, other.sorted));
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return Arrays.stream(sorted).map(Label::toString).collect(Collectors.joining(","));
    }
}
