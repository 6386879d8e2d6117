package io.sluice.xds;

import io.sluice.api.xds.sync.Snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The last configuration Envoy acknowledged, as the agent sent it, replaced atomically. A file an
 * earlier envoy-xds wrote (an xDS DiscoveryResponse) reads as the same snapshot.
 */
public record SnapshotFile(Path path) {

    public void write(Snapshot snapshot) {
        try {
            Files.createDirectories(path.getParent());
            Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
            Files.write(tmp, snapshot.toByteArray());
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("write last good snapshot " + path, e);
        }
    }

    /** The saved snapshot; empty when there is none, or it cannot be read (then it is reported and ignored). */
    public Optional<Snapshot> read() {
        if (!Files.exists(path)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Snapshot.parseFrom(Files.readAllBytes(path)));
        } catch (IOException e) {
            System.err.println("ignoring unreadable snapshot " + path + ": " + e.getMessage());
            return Optional.empty();
        }
    }
}
