package io.sluice.manifest;

/** One thing wrong with an object: the field path ({@code spec.ingress[0].toPorts[0].ports[0].port}) and why. */
public record Problem(String field, String reason) {
    @Override
    public String toString() {
        return field + ": " + reason;
    }
}
