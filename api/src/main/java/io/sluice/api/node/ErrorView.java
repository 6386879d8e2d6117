package io.sluice.api.node;

/** The body of every non-2xx answer: what failed, in words a user can act on. */
public record ErrorView(String error) {
}
