package io.sluice.bpf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The bpf filesystem that pins live in. */
public final class BpfFs {
    public static final Path ROOT = Path.of("/sys/fs/bpf");

    private BpfFs() {}

    /** Mounts bpffs at /sys/fs/bpf unless it is mounted already. Idempotent. */
    public static void ensureMounted() {
        try {
            boolean mounted = Files.readAllLines(Path.of("/proc/mounts")).stream()
                    .map(l -> l.split(" "))
                    .anyMatch(f -> f.length > 2 && f[1].equals(ROOT.toString()) && f[2].equals("bpf"));
            if (mounted) {
                return;
            }
            Process p = new ProcessBuilder("mount", "-t", "bpf", "bpf", ROOT.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IllegalStateException("mount bpffs at " + ROOT + " failed: " + out.strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("mount bpffs at " + ROOT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted mounting bpffs", e);
        }
    }
}
