package io.sluice.agent.cgroup;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CpuPriorityTest {
    private static final List<String> MOUNTS = List.of(
            "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
            "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct",
            "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime shared:9 - cgroup cgroup rw,cpu");

    @Test
    void ownDirectory_isTheCpuMountPlusTheProcessPath() {
        assertThat(CpuCgroups.ownDirectory(MOUNTS, List.of("8:pids:/", "1:cpu:/"))).contains(Path.of("/sys/fs/cgroup/cpu"));
        assertThat(CpuCgroups.ownDirectory(MOUNTS, List.of("1:cpu:/system.slice/sluice.service")))
                .contains(Path.of("/sys/fs/cgroup/cpu/system.slice/sluice.service"));
    }

    @Test
    void ownDirectory_ofAJointMountAndOfAContainersView() {
        var joint = List.of("40 31 0:33 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct");
        assertThat(CpuCgroups.ownDirectory(joint, List.of("4:cpu,cpuacct:/kubepods/pod1/c1")))
                .contains(Path.of("/sys/fs/cgroup/cpu,cpuacct/kubepods/pod1/c1"));
        // A container sees its own cgroup mounted as the hierarchy's root.
        var container = List.of("50 40 0:33 /kubepods/pod1/c1 /sys/fs/cgroup/cpu ro - cgroup cgroup rw,cpu");
        assertThat(CpuCgroups.ownDirectory(container, List.of("4:cpu:/kubepods/pod1/c1"))).contains(Path.of("/sys/fs/cgroup/cpu"));
        assertThat(CpuCgroups.ownDirectory(container, List.of("4:cpu:/kubepods/pod2/c9"))).isEmpty();
    }

    @Test
    void ownDirectory_isEmptyWithCgroupV2Only() {
        var v2 = List.of("30 23 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate");
        assertThat(CpuCgroups.ownDirectory(v2, List.of("0::/user.slice"))).isEmpty();
    }

    @Test
    void idleGroup_takesTheThreadsThatJoinIt() throws Exception {
        String name = "sluice-test-" + ProcessHandle.current().pid();
        CpuPriority p = CpuPriority.idleGroup(name);
        assumeTrue(p instanceof CpuPriority.Idle, () -> "no cgroup v1 cpu controller here: " + p.describe());
        Path dir = ((CpuPriority.Idle) p).cgroup();
        try {
            assertThat(Files.readString(dir.resolve("cpu.idle")).trim()).isEqualTo("1");
            AtomicReference<String> seen = new AtomicReference<>();
            Thread t = Thread.ofPlatform().start(() -> {
                p.join();
                try {
                    seen.set(Files.readString(Path.of("/proc/thread-self/cgroup")));
                } catch (java.io.IOException e) {
                    seen.set(e.toString());
                }
            });
            t.join();
            assertThat(seen.get()).containsPattern("(?m):cpu(,[a-z]+)*:/(.*/)?" + name + "$");
            assertThat(Files.readString(Path.of("/proc/thread-self/cgroup"))).doesNotContain(name);
            assertThat(p.describe()).isEqualTo("idle CPU priority (cgroup " + dir + ")");
        } finally {
            p.remove();
        }
        assertThat(dir).doesNotExist();
    }
}
