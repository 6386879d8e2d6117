package io.sluice.agent.cgroup;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The cgroup v1 CPU hierarchy, as /proc/self/mountinfo and /proc/self/cgroup tell it. */
final class CpuCgroups {
    private CpuCgroups() {}

    /**
     * This process's directory in the cgroup v1 hierarchy that has the {@code cpu} controller:
     * where that hierarchy is mounted, plus this process's path in it below the mount's root.
     * For example mountinfo {@code "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu"}
     * and cgroup {@code "1:cpu:/"} give {@code /sys/fs/cgroup/cpu}. Empty when there is no such
     * hierarchy (cgroup v2 only) or this process is outside the mounted part of it.
     */
    static Optional<Path> ownDirectory(List<String> mountinfo, List<String> cgroups) {
        Optional<String[]> mount = mountinfo.stream()
                .map(l -> l.split(" "))
                .filter(CpuCgroups::isCpuHierarchy)
                .findFirst();
        Optional<String> own = cgroups.stream()
                .map(l -> l.split(":", 3))
                .filter(f -> f.length == 3 && hasCpu(f[1]))
                .map(f -> f[2])
                .findFirst();
        if (mount.isEmpty() || own.isEmpty()) {
            return Optional.empty();
        }
        String root = mount.get()[3], point = mount.get()[4], path = own.get();
        if (!root.equals("/") && !path.equals(root) && !path.startsWith(root + "/")) {
            return Optional.empty();
        }
        String below = root.equals("/") ? path : path.substring(root.length());
        return Optional.of(below.isEmpty() || below.equals("/") ? Path.of(point) : Path.of(point, below.substring(1)));
    }

    /** A mountinfo line (fields before " - " vary): file system type cgroup, super options naming cpu. */
    private static boolean isCpuHierarchy(String[] f) {
        int dash = List.of(f).indexOf("-");
        return dash > 4 && dash + 3 < f.length && f[dash + 1].equals("cgroup") && hasCpu(f[dash + 3]);
    }

    private static boolean hasCpu(String options) {
        return List.of(options.split(",")).contains("cpu");
    }
}
