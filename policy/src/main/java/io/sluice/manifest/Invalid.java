package io.sluice.manifest;

import java.util.List;
import java.util.stream.Collectors;

/** A manifest document that was refused, with every problem found in it. */
public record Invalid(ObjectRef ref, int document, List<Problem> problems) {
    public Invalid {
        problems = List.copyOf(problems);
    }

    /** One line per problem: {@code CiliumNetworkPolicy default/rule1: spec.x: reason}. */
    public String message() {
        return problems.stream().map(p -> ref + ": " + p).collect(Collectors.joining("\n"));
    }
}
