package io.sluice.agent.policy;

import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** An immutable, sorted set of labels: the input of identity allocation and selector matching. */
public record Labels(SortedSet<Label> all) {
    public Labels {
        all = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(all));
    }

    public static Labels of(Label... labels) {
        return new Labels(new TreeSet<>(java.util.List.of(labels)));
    }

    /** A pod's labels: its own (source k8s) plus the namespace label. */
    public static Labels ofPod(String namespace, Map<String, String> podLabels) {
        TreeSet<Label> set = new TreeSet<>();
        podLabels.forEach((k, v) -> set.add(Label.k8s(k, v)));
        set.add(Label.k8s(Label.NAMESPACE, namespace));
        return new Labels(set);
    }

    /** The value of key under the given source, or under any source when source is {@code any}. */
    public Optional<String> get(String source, String key) {
        for (Label l : all) {
            if (l.key().equals(key) && (source.equals(Label.ANY) || l.source().equals(source))) {
                return Optional.of(l.value());
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return all.stream().map(Label::toString).collect(Collectors.joining(","));
    }
}
