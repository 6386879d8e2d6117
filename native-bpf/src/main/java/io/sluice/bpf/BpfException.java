package io.sluice.bpf;

/** A libbpf or kernel call failed; names the operation, its target and the errno. */
public class BpfException extends RuntimeException {
    private final int errno;

    public BpfException(String operation, String target, int errno) {
        super(operation + " " + target + ": " + Errno.describe(errno));
        this.errno = errno;
    }

    /** The positive errno the kernel or libbpf reported. */
    public int errno() {
        return errno;
    }
}
