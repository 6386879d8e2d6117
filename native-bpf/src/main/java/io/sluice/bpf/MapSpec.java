package io.sluice.bpf;

import java.util.Objects;

/** What {@link BpfMap#create} makes. Names are cut to the kernel's 15 characters. */
public record MapSpec(MapType type, String name, int keySize, int valueSize, int maxEntries, int flags) {
    /** BPF_F_NO_PREALLOC: required for LPM tries. */
    public static final int NO_PREALLOC = 1;

    public MapSpec {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
        if (name.length() > 15) {
            name = name.substring(0, 15);
        }
        if (keySize < 0 || valueSize <= 0 || maxEntries <= 0) {
            throw new IllegalArgumentException("map " + name + ": sizes and max entries must be positive");
        }
    }
}
