package io.sluice.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The kernel's description of a map (struct bpf_map_info), read by file descriptor. */
record MapInfo(MapType type, int keySize, int valueSize, int maxEntries) {
    private static final int INFO_SIZE = 88;

    static MapInfo of(int fd, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(INFO_SIZE, 8);
            MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, INFO_SIZE);
            int rc = Libbpf.call(Libbpf.OBJ_INFO, fd, info, len);
            if (rc < 0) {
                throw new BpfException("read map info of", name, -rc);
            }
            return new MapInfo(MapType.of(info.get(ValueLayout.JAVA_INT, 0)), info.get(ValueLayout.JAVA_INT, 8),
                    info.get(ValueLayout.JAVA_INT, 12), info.get(ValueLayout.JAVA_INT, 16));
        }
    }
}
