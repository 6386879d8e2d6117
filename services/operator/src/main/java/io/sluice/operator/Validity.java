package io.sluice.operator;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.manifest.Invalid;
import io.sluice.manifest.Manifests;
import io.sluice.operator.crd.Condition;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * The {@code Valid} condition of an object as the API server stores it, from the validator the
 * agent enforces with ({@link Manifests#parseStored}): {@code True}, or {@code False} with the
 * validator's message, which names the field. Pure.
 */
public final class Validity {
    public static final String TYPE = "Valid";

    private Validity() {}

    /**
     * The condition for {@code object}; the transition time of {@code previous} is kept when the
     * status did not change, so a rewrite of an unchanged verdict is recognisable as one.
     */
    public static Condition of(JsonNode object, Optional<Condition> previous, Instant now) {
        Manifests.Parsed parsed = Manifests.parseStored(object);
        String error = String.join("\n", parsed.invalid().stream().map(Invalid::message).toList());
        String status = error.isEmpty() ? "True" : "False";
        String since = previous.filter(p -> status.equals(p.status())).map(Condition::lastTransitionTime)
                .orElse(now.truncatedTo(ChronoUnit.SECONDS).toString());
        String what = object.path("kind").asText().endsWith("EnvoyConfig") ? "Envoy config" : "Policy";
        return error.isEmpty() ? new Condition(TYPE, status, "Valid", what + " validation succeeded", since)
                : new Condition(TYPE, status, "InvalidSpec", error, since);
    }

    /** The Valid condition among {@code conditions}, if any. */
    public static Optional<Condition> find(List<Condition> conditions) {
        return conditions == null ? Optional.empty()
                : conditions.stream().filter(c -> TYPE.equals(c.type())).findFirst();
    }

    /** Whether {@code next} says something {@code previous} did not (time aside). */
    public static boolean changed(Optional<Condition> previous, Condition next) {
        return previous.map(p -> !p.status().equals(next.status()) || !java.util.Objects.equals(p.reason(), next.reason())
                || !java.util.Objects.equals(p.message(), next.message())).orElse(true);
    }
}
