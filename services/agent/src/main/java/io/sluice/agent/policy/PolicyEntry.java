package io.sluice.agent.policy;

import java.util.Objects;

/** The value of a policy row: allow or deny, and how it matched. */
public record PolicyEntry(boolean deny, MatchType matchType) {
    public PolicyEntry {
        Objects.requireNonNull(matchType, "matchType");
    }
}
