package io.sluice.policy;

import java.util.Optional;

/** An IPv4 prefix; the address is held as an int, most significant byte first, host bits clear. */
public record Cidr(int address, int prefixLen) {
    public static final Cidr ALL = new Cidr(0, 0);

    public Cidr {
        if (prefixLen < 0 || prefixLen > 32) {
            throw new IllegalArgumentException("prefix length " + prefixLen);
        }
        address &= mask(prefixLen);
    }

    /** Parses {@code a.b.c.d/n} or a bare address (as /32); empty when malformed or not IPv4. */
    public static Optional<Cidr> parse(String s) {
        String[] parts = s.strip().split("/", -1);
        if (parts.length > 2) {
            return Optional.empty();
        }
        String[] octets = parts[0].split("\\.", -1);
        if (octets.length != 4) {
            return Optional.empty();
        }
        int addr = 0;
        try {
            for (String o : octets) {
                int v = Integer.parseInt(o);
                if (v < 0 || v > 255 || o.isEmpty() || o.length() > 3) {
                    return Optional.empty();
                }
                addr = (addr << 8) | v;
            }
            int len = parts.length == 2 ? Integer.parseInt(parts[1]) : 32;
            return len < 0 || len > 32 ? Optional.empty() : Optional.of(new Cidr(addr, len));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    public static int mask(int prefixLen) {
        return prefixLen == 0 ? 0 : -1 << (32 - prefixLen);
    }

    public boolean contains(Cidr other) {
        return other.prefixLen >= prefixLen && (other.address & mask(prefixLen)) == address;
    }

    public boolean contains(int addr) {
        return (addr & mask(prefixLen)) == address;
    }

    /** This prefix without one of its addresses, as the fewest prefixes (one per bit below the prefix length). */
    public java.util.List<Cidr> without(int addr) {
        if (!contains(addr)) {
            return java.util.List.of(this);
        }
        java.util.List<Cidr> out = new java.util.ArrayList<>();
        for (int len = prefixLen + 1; len <= 32; len++) {
            out.add(new Cidr((addr & mask(len)) ^ (1 << (32 - len)), len));
        }
        return out;
    }

    /** The address with the given host number (host 1 of 10.200.0.0/16 is 10.200.0.1). */
    public int host(int n) {
        return address + n;
    }

    public int size() {
        return prefixLen == 0 ? Integer.MAX_VALUE : 1 << (32 - prefixLen);
    }

    public static String format(int addr) {
        return (addr >>> 24) + "." + ((addr >>> 16) & 0xff) + "." + ((addr >>> 8) & 0xff) + "." + (addr & 0xff);
    }

    @Override
    public String toString() {
        return format(address) + "/" + prefixLen;
    }
}
