package io.sluice.policy;

import java.util.Objects;

/**
 * One row of an endpoint's policy map. Mirrors the BPF key without depending on it: identity
 * ({@link Identity#ANY} = any peer), direction, protocol ({@link Protocol#ANY} = any, with any
 * port), and an aligned block of ports: the top {@code portBits} bits of {@code port} (0 = any).
 */
public record PolicyKey(int identity, Direction direction, Protocol protocol, int port, int portBits) {
    public PolicyKey {
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(protocol, "protocol");
        if (portBits < 0 || portBits > 16 || (protocol == Protocol.ANY && (port != 0 || portBits != 0))) {
            throw new IllegalArgumentException("bad port block " + port + "/" + portBits + " for " + protocol);
        }
        if (portBits < 16 && (port & ((1 << (16 - portBits)) - 1)) != 0) {
            throw new IllegalArgumentException("port " + port + " not aligned to /" + portBits);
        }
    }

    /** The LPM prefix length of the BPF key: 40 bits of identity+direction, then protocol, then port. */
    public int prefixLen() {
        return protocol == Protocol.ANY ? 40 : 48 + portBits;
    }

    /** Whether every packet this key matches is also matched by other (same identity). */
    public boolean within(PolicyKey other) {
        if (identity != other.identity || direction != other.direction) {
            return false;
        }
        if (other.protocol == Protocol.ANY) {
            return true;
        }
        if (protocol != other.protocol || portBits < other.portBits) {
            return false;
        }
        int shift = 16 - other.portBits;
        return other.portBits == 0 || (port >>> shift) == (other.port >>> shift);
    }
}
