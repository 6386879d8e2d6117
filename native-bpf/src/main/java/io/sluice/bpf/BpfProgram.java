package io.sluice.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** A loaded program, owned by its {@link BpfObject}. */
public record BpfProgram(String name, int fd) {

    /** The outcome of one BPF_PROG_TEST_RUN: the program's return code, the packet and the skb's mark after it ran. */
    public record TestRun(int retval, byte[] packet, int mark) {}

    /**
     * Runs the program once on a crafted packet (Ethernet frame), as if it arrived on ifindex
     * (values above 1 name a real device; 0 or 1 mean loopback). Maps are the real ones.
     */
    public TestRun testRun(byte[] packet, int ifindex) {
        return testRun(packet, ifindex, 0, 1);
    }

    /** Runs the program {@code repeat} times in one call (benchmarks drive the datapath this way). */
    public TestRun testRun(byte[] packet, int ifindex, int repeat) {
        return testRun(packet, ifindex, 0, repeat);
    }

    /** As {@link #testRun(byte[], int)}, for a packet that already carries {@code mark} (skb->mark). */
    public TestRun testRun(byte[] packet, int ifindex, int mark, int repeat) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment in = a.allocateFrom(ValueLayout.JAVA_BYTE, packet);
            MemorySegment out = a.allocate(packet.length + 256);
            MemorySegment ctx = a.allocate(SKB_CTX_SIZE, 8);
            ctx.set(ValueLayout.JAVA_INT, SKB_IFINDEX_OFFSET, ifindex);
            ctx.set(ValueLayout.JAVA_INT, SKB_MARK_OFFSET, mark);
            MemorySegment ctxOut = a.allocate(SKB_CTX_SIZE, 8);
            MemorySegment opts = a.allocate(80, 8);
            opts.set(ValueLayout.JAVA_LONG, 0, 80);
            opts.set(ValueLayout.ADDRESS, 8, in);
            opts.set(ValueLayout.ADDRESS, 16, out);
            opts.set(ValueLayout.JAVA_INT, 24, packet.length);
            opts.set(ValueLayout.JAVA_INT, 28, (int) out.byteSize());
            opts.set(ValueLayout.ADDRESS, 32, ctx);
            opts.set(ValueLayout.ADDRESS, 40, ctxOut);
            opts.set(ValueLayout.JAVA_INT, 48, SKB_CTX_SIZE);
            opts.set(ValueLayout.JAVA_INT, 52, SKB_CTX_SIZE);
            opts.set(ValueLayout.JAVA_INT, 60, repeat);
            int rc = Libbpf.call(Libbpf.TEST_RUN, fd, opts);
            if (rc < 0) {
                throw new BpfException("test run of", name, -rc);
            }
            int outLen = opts.get(ValueLayout.JAVA_INT, 28);
            return new TestRun(opts.get(ValueLayout.JAVA_INT, 56), out.asSlice(0, outLen).toArray(ValueLayout.JAVA_BYTE),
                    ctxOut.get(ValueLayout.JAVA_INT, SKB_MARK_OFFSET));
        }
    }

    /** sizeof(struct __sk_buff) and offsetof(mark), offsetof(ifindex) in it (uapi/linux/bpf.h). */
    private static final int SKB_CTX_SIZE = 192;
    private static final int SKB_MARK_OFFSET = 8, SKB_IFINDEX_OFFSET = 40;
}
