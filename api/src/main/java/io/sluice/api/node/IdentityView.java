package io.sluice.api.node;

import java.util.List;

/** A security identity and how many endpoints carry it. */
public record IdentityView(int id, List<String> labels, int endpoints) {
}
