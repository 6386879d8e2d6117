package io.sluice.agent.tls;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.time.Instant;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DerTest {
    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    @Test
    void oid_encodesArcsInBase128() {
        assertThat(hex(Der.oid("1.2.840.10045.4.3.2"))).isEqualTo("06082a8648ce3d040302"); // ecdsa-with-SHA256
        assertThat(hex(Der.oid("2.5.29.19"))).isEqualTo("0603551d13");
    }

    @Test
    void integer_isTwosComplement_withALeadingZeroForAHighBit() {
        assertThat(hex(Der.integer(BigInteger.TWO))).isEqualTo("020102");
        assertThat(hex(Der.integer(BigInteger.valueOf(128)))).isEqualTo("02020080");
    }

    @Test
    void longContents_takeTheLongLengthForm() {
        byte[] e = Der.octets(new byte[300]);
        assertThat(hex(e).substring(0, 8)).isEqualTo("0482012c");
        assertThat(Der.contents(e)).hasSize(300);
    }

    @Test
    void time_isUtcTimeBefore2050_andGeneralizedTimeAfter() {
        assertThat(new String(Der.contents(Der.time(Instant.parse("2029-11-30T19:05:01Z"))))).isEqualTo("291130190501Z");
        assertThat(Der.time(Instant.parse("2029-11-30T19:05:01Z"))[0]).isEqualTo((byte) 0x17);
        assertThat(new String(Der.contents(Der.time(Instant.parse("2051-01-02T03:04:05Z"))))).isEqualTo("20510102030405Z");
        assertThat(Der.time(Instant.parse("2051-01-02T03:04:05Z"))[0]).isEqualTo((byte) 0x18);
    }

    @Test
    void children_readBackWhatWasWritten() {
        byte[] seq = Der.sequence(Der.bool(true), Der.utf8("x"), Der.sequence());
        assertThat(Der.children(seq)).extracting(DerTest::hex).containsExactly("0101ff", "0c0178", "3000");
        assertThat(hex(Der.bits(new byte[]{0x06}, 1))).isEqualTo("03020106");
    }

    @Test
    void truncatedElement_isRefused() {
        byte[] cut = java.util.Arrays.copyOf(Der.octets(new byte[10]), 5);
        assertThatThrownBy(() -> Der.contents(cut)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("runs past the end");
    }
}
