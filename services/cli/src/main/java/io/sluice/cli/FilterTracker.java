package io.sluice.cli;

import io.sluice.api.hubble.flow.FlowFilter;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Builds FlowFilters from Hubble's observe flags, as Hubble's CLI does: a flag about one side
 * ({@code --from-pod}) or about the flow ({@code --verdict}) goes into both halves, a
 * bidirectional flag ({@code --pod}) puts the source side into the left half and the
 * destination side into the right one; the result is left OR right (one filter when both
 * halves are equal). After {@code --not}, the next flag goes to the blacklist instead.
 */
final class FilterTracker {
    private final Half whitelist = new Half(), blacklist = new Half();
    private boolean negateNext;

    private static final class Half {
        FlowFilter.Builder left, right;

        List<FlowFilter> filters() {
            if (left == null && right == null) {
                return List.of();
            }
            FlowFilter l = left == null ? null : left.build(), r = right == null ? null : right.build();
            if (l != null && l.equals(r)) {
                return List.of(l);
            }
            List<FlowFilter> out = new ArrayList<>();
            if (l != null) {
                out.add(l);
            }
            if (r != null) {
                out.add(r);
            }
            return out;
        }
    }

    void not() {
        negateNext = true;
    }

    /** A flag about one side, or about the whole flow. */
    void both(Consumer<FlowFilter.Builder> update) {
        Half h = target();
        left(h, update);
        right(h, update);
    }

    /** A bidirectional flag: the source side OR the destination side. */
    void either(Consumer<FlowFilter.Builder> source, Consumer<FlowFilter.Builder> destination) {
        Half h = target();
        left(h, source);
        right(h, destination);
    }

    private Half target() {
        Half h = negateNext ? blacklist : whitelist;
        negateNext = false;
        return h;
    }

    private static void left(Half h, Consumer<FlowFilter.Builder> update) {
        if (h.left == null) {
            h.left = FlowFilter.newBuilder();
        }
        update.accept(h.left);
    }

    private static void right(Half h, Consumer<FlowFilter.Builder> update) {
        if (h.right == null) {
            h.right = FlowFilter.newBuilder();
        }
        update.accept(h.right);
    }

    List<FlowFilter> whitelist() {
        return whitelist.filters();
    }

    List<FlowFilter> blacklist() {
        return blacklist.filters();
    }
}
