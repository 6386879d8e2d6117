package io.sluice.policy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class PortRangesTest {
    @ParameterizedTest
    @CsvSource({"80,80,1", "80,83,1", "8080,8083,1", "1,65535,16", "0,0,1", "79,81,2", "1024,65535,6"})
    void blocks_coverRangeExactly(int from, int to, int expectedBlocks) {
        var blocks = PortRanges.blocks(from, to);
        assertThat(blocks).hasSize(expectedBlocks);
        if (from == 0) {
            return;
        }
        long covered = blocks.stream().mapToLong(b -> 1L << (16 - b.bits())).sum();
        assertThat(covered).isEqualTo(to - from + 1);
        assertThat(blocks.getFirst().start()).isEqualTo(from);
    }
}
