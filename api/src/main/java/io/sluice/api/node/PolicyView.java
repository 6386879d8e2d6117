package io.sluice.api.node;

import java.util.List;

/**
 * An applied network policy, the endpoints it selects, and what of it does not work as written on
 * this node (message; empty when all of it does).
 */
public record PolicyView(String kind, String name, String namespace, boolean valid, List<Integer> selectedEndpoints,
                         String description, String message) {
}
