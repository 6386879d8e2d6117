package io.sluice.agent.hubble;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Zeroed memory outside the Java heap, mapped with mmap(2) so that pages take resident memory
 * only once written (an {@code Arena} allocation writes zeros over all of it at once). Unmapped
 * when the segment is no longer reachable.
 */
final class AnonymousMemory {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MMAP = LINKER.downcallHandle(LINKER.defaultLookup().find("mmap").orElseThrow(),
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = LINKER.downcallHandle(LINKER.defaultLookup().find("munmap").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final int PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;

    private AnonymousMemory() {}

    static MemorySegment map(long bytes) {
        MemorySegment at;
        try {
            at = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, bytes, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("mmap of " + bytes + " bytes", t);
        }
        if (at.address() == -1L) { // MAP_FAILED
            throw new OutOfMemoryError("mmap of " + bytes + " bytes for the flow buffer failed");
        }
        return at.reinterpret(bytes, Arena.ofAuto(), s -> unmap(s, bytes));
    }

    private static void unmap(MemorySegment s, long bytes) {
        try {
            int rc = (int) MUNMAP.invokeExact(s, bytes);
            assert rc == 0;
        } catch (Throwable t) {
            throw new IllegalStateException("munmap of " + bytes + " bytes", t);
        }
    }
}
