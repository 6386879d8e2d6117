package io.sluice.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Attaches programs to a device's clsact qdisc (tc). The attachment lives in the kernel until
 * detached or the device goes away, so it survives the process that made it.
 */
public final class TcHook {
    /** Which side of the device: INGRESS sees what the device receives, EGRESS what it sends. */
    public enum Side {
        INGRESS(1), EGRESS(2);
        final int code;
        Side(int code) { this.code = code; }
    }

    /** Our filters' handle and priority; fixed so a re-attach replaces rather than adds. */
    public static final int HANDLE = 1, PRIORITY = 1;
    private static final int F_REPLACE = 1;

    private TcHook() {}

    /**
     * Attaches program at ifindex/side, atomically replacing the program a previous run put
     * there (no moment without a program). Creates the clsact qdisc if it is missing.
     */
    public static void attach(int ifindex, Side side, BpfProgram program) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment hook = hook(a, ifindex, side);
            // One clsact serves both sides: the second side finds it there (EEXIST), an answer
            // expected here, for which libbpf would print the kernel's "Exclusivity flag on".
            int rc = Libbpf.quietly(Libbpf.TC_HOOK_CREATE, hook);
            if (rc < 0 && rc != -Errno.EEXIST) {
                throw new BpfException("create clsact qdisc on", "ifindex " + ifindex, -rc);
            }
            MemorySegment opts = opts(a);
            opts.set(ValueLayout.JAVA_INT, 8, program.fd());
            opts.set(ValueLayout.JAVA_INT, 12, F_REPLACE);
            rc = Libbpf.call(Libbpf.TC_ATTACH, hook, opts);
            if (rc < 0) {
                throw new BpfException("attach " + program.name() + " to", "ifindex " + ifindex + " " + side, -rc);
            }
        }
    }

    /** Detaches our filter; returns false when none was attached or the device is gone. */
    public static boolean detach(int ifindex, Side side) {
        try (Arena a = Arena.ofConfined()) {
            int rc = Libbpf.call(Libbpf.TC_DETACH, hook(a, ifindex, side), opts(a));
            return rc == 0;
        }
    }

    private static MemorySegment hook(Arena a, int ifindex, Side side) {
        MemorySegment hook = a.allocate(24, 8);
        hook.set(ValueLayout.JAVA_LONG, 0, 24);
        hook.set(ValueLayout.JAVA_INT, 8, ifindex);
        hook.set(ValueLayout.JAVA_INT, 12, side.code);
        return hook;
    }

    private static MemorySegment opts(Arena a) {
        MemorySegment opts = a.allocate(32, 8);
        opts.set(ValueLayout.JAVA_LONG, 0, 32);
        opts.set(ValueLayout.JAVA_INT, 20, HANDLE);
        opts.set(ValueLayout.JAVA_INT, 24, PRIORITY);
        return opts;
    }
}
