package io.sluice.api.node;

import java.util.List;

/** An applied network policy and the endpoints it selects. */
public record PolicyView(String kind, String name, String namespace, boolean valid, List<Integer> selectedEndpoints,
                         String description) {
}
