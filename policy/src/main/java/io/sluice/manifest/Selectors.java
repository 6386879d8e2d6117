package io.sluice.manifest;

import io.sluice.policy.Requirement;
import io.sluice.policy.Selector;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reads Kubernetes label selectors (matchLabels, matchExpressions) with their field paths. */
final class Selectors {
    private Selectors() {}

    static Selector read(Field f) {
        if (!f.isObject()) {
            return Selector.ALL;
        }
        f.allowOnly(Set.of("matchLabels", "matchExpressions"));
        List<Requirement> reqs = new ArrayList<>();
        f.get("matchLabels").stringMap().forEach((k, v) -> {
            if (k.isEmpty()) {
                f.get("matchLabels").problem("empty label key");
            }
            reqs.add(Requirement.of(k, Requirement.Operator.IN, List.of(v)));
        });
        for (Field e : f.get("matchExpressions").list()) {
            expression(e, reqs);
        }
        return new Selector(reqs);
    }

    private static void expression(Field e, List<Requirement> out) {
        if (!e.isObject()) {
            return;
        }
        e.allowOnly(Set.of("key", "operator", "values"));
        String key = e.get("key").requiredString();
        String op = e.get("operator").requiredString();
        List<String> values = new ArrayList<>();
        for (Field v : e.get("values").list()) {
            v.string().ifPresent(values::add);
        }
        Requirement.Operator operator = switch (op) {
            case "In" -> Requirement.Operator.IN;
            case "NotIn" -> Requirement.Operator.NOT_IN;
            case "Exists" -> Requirement.Operator.EXISTS;
            case "DoesNotExist" -> Requirement.Operator.DOES_NOT_EXIST;
            case "" -> null;
            default -> {
                e.get("operator").problem("'" + op + "' is not one of In, NotIn, Exists, DoesNotExist");
                yield null;
            }
        };
        if (operator == null || key.isEmpty()) {
            return;
        }
        boolean needsValues = operator == Requirement.Operator.IN || operator == Requirement.Operator.NOT_IN;
        if (needsValues && values.isEmpty()) {
            e.get("values").problem("must not be empty for " + op);
            return;
        }
        if (!needsValues && !values.isEmpty()) {
            e.get("values").problem("must be empty for " + op);
            return;
        }
        out.add(Requirement.of(key, operator, values));
    }
}
