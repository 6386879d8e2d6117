package io.sluice.policy;

import java.util.ArrayList;
import java.util.List;

/** Splits port ranges into aligned power-of-two blocks, the form an LPM key can hold. */
public final class PortRanges {
    private PortRanges() {}

    /** A block: ports whose top {@code bits} bits equal those of {@code start}. */
    public record Block(int start, int bits) {}

    /**
     * The fewest aligned blocks covering [from, to]; for example 80-83 is one block
     * (80/14), and 1-65535 is sixteen. Port 0 alone (any) is the single block 0/0.
     */
    public static List<Block> blocks(int from, int to) {
        if (from == 0 && to <= 0) {
            return List.of(new Block(0, 0));
        }
        if (from < 0 || to > 65535 || to < from) {
            throw new IllegalArgumentException("port range " + from + "-" + to);
        }
        List<Block> out = new ArrayList<>();
        long lo = from;
        while (lo <= to) {
            long size = lo == 0 ? 65536 : Long.lowestOneBit(lo);
            while (lo + size - 1 > to) {
                size >>= 1;
            }
            out.add(new Block((int) lo, 16 - Long.numberOfTrailingZeros(size)));
            lo += size;
        }
        return out;
    }
}
