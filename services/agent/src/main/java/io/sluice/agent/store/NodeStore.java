package io.sluice.agent.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The state file {@code <stateDir>/state.json}. Not thread-safe: its owner serialises access. */
public final class NodeStore {
    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    private final Path file;

    public NodeStore(Path stateDir) {
        this.file = stateDir.resolve("state.json");
    }

    /** The stored state, or the empty state on first start. A corrupt file is an error, never silently reset. */
    public StoredState load() {
        if (!Files.exists(file)) {
            return StoredState.EMPTY;
        }
        try {
            return JSON.readValue(file.toFile(), StoredState.class);
        } catch (IOException e) {
            throw new StoreException("cannot read the node's store " + file + " (" + e.getMessage()
                    + "); fix or move it away to start empty", e);
        }
    }

    /** Replaces the stored state atomically (write to a temporary file, then rename). */
    public void save(StoredState state) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling("state.json.tmp");
            JSON.writeValue(tmp.toFile(), state);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new StoreException("cannot write the node's store " + file, e);
        }
    }
}
