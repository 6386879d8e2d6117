package io.sluice.bpf;

/** The few errno values the datapath code reacts to, and readable names for the rest. */
public final class Errno {
    public static final int ENOENT = 2;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int E2BIG = 7;
    public static final int EPERM = 1;

    private Errno() {}

    static String describe(int errno) {
        String name = switch (errno) {
            case EPERM -> "EPERM (operation not permitted: run as root with CAP_BPF and CAP_NET_ADMIN)";
            case ENOENT -> "ENOENT (no such entry)";
            case E2BIG -> "E2BIG (map full or argument too big)";
            case EEXIST -> "EEXIST (already exists)";
            case EINVAL -> "EINVAL (invalid argument)";
            case ENOSPC -> "ENOSPC (no space left)";
            default -> "errno " + errno;
        };
        return name;
    }
}
