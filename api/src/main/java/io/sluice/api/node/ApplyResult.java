package io.sluice.api.node;

import java.util.List;

/**
 * The answer to apply or delete: one line per object acted on ({@code ciliumnetworkpolicy/rule1 created}),
 * or, when any document was invalid, the errors and nothing changed.
 */
public record ApplyResult(List<String> changed, List<String> errors) {
    public ApplyResult {
        changed = changed == null ? List.of() : List.copyOf(changed);
        errors = errors == null ? List.of() : List.copyOf(errors);
    }
}
