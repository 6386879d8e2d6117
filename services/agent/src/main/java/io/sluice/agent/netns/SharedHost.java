package io.sluice.agent.netns;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The nodes of one host, for what they share there ({@link HostBefore}: IPv4 forwarding, the
 * proxy's policy route, lo's tc program, the helpers' account, /run/netns). Each node joins with its name; the first one records how it found the host
 * (a text of the caller's), and the last one to leave gets that text back, so it can remove the
 * shared pieces and restore what was there; the registry itself goes with the last node. It
 * lives in {@code /run}: like the routes and programs it describes, it does not survive a reboot.
 *
 * <p>Thread- and process-safe: every change holds an exclusive file lock. Idempotent per node.
 */
public record SharedHost(Path dir) {
    /** The host's registry. */
    public static final SharedHost RUN = new SharedHost(Path.of("/run/sluice/host"));

    /** Registers {@code node}; the first node saves {@code found.get()}, the host as it was before any node. */
    public void join(String node, Supplier<String> found) {
        locked(() -> {
            Path nodes = Files.createDirectories(dir.resolve("nodes"));
            Path original = dir.resolve("found");
            if (isEmptyDir(nodes) && Files.notExists(original)) {
                Files.writeString(original, found.get());
            }
            Files.writeString(nodes.resolve(node), "");
            return null;
        });
    }

    /**
     * Unregisters {@code node}. When no node is left, returns what the first node found (and
     * forgets it; "" if nothing was recorded); otherwise empty: other nodes still use the shared pieces.
     */
    public Optional<String> leave(String node) {
        return locked(() -> {
            Path nodes = dir.resolve("nodes");
            Files.deleteIfExists(nodes.resolve(node));
            if (Files.isDirectory(nodes) && !isEmptyDir(nodes)) {
                return Optional.empty();
            }
            Path original = dir.resolve("found");
            Optional<String> setting = Optional.of(Files.exists(original) ? Files.readString(original) : "");
            Files.deleteIfExists(original);
            Files.deleteIfExists(nodes);
            Files.deleteIfExists(dir.resolve("lock"));
            Files.deleteIfExists(dir);
            removeIfEmpty(dir.getParent());
            return setting;
        });
    }

    private interface Step<T> {
        T run() throws IOException;
    }

    private <T> T locked(Step<T> step) {
        try {
            Files.createDirectories(dir);
            try (FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                return step.run();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("host registry " + dir, e);
        }
    }

    /** Removes d when empty, unless it is a mount point (a container's volume), which stays. */
    private static void removeIfEmpty(Path d) {
        if (!isEmptyDir(d)) {
            return;
        }
        try {
            Files.deleteIfExists(d);
        } catch (FileSystemException e) {
            // EBUSY: mounted, by whoever made the mount; it removes it
        } catch (IOException e) {
            throw new UncheckedIOException("remove " + d, e);
        }
    }

    /** Whether d is a directory with nothing in it; false when it cannot be listed (absent). */
    static boolean isEmptyDir(Path d) {
        try (var s = Files.list(d)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }
}
