package io.sluice.agent.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Cilium's generic-veth chaining with {@code cni.chainingTarget}: the agent installs its plugin
 * {@code sluice-cni} into the node's CNI directory and puts it last in the plugin list of the
 * node's CNI network of that name (the cluster's own plugin, ptp or bridge, stays first), so
 * the runtime hands each new pod to the agent. Both writes are atomic (a file beside, then a
 * rename) and only when something changes. {@link #chained} is pure.
 */
public final class CniChaining {
    private static final Logger LOG = Logger.getLogger(CniChaining.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String PLUGIN = "sluice-cni";

    private CniChaining() {}

    /** Installs the plugin binary and chains it into the network; fails naming what is missing. */
    public static void setUp(Path plugin, Path binDir, Path confDir, String network, String socket) {
        try {
            install(plugin, binDir.resolve(PLUGIN));
            Path conf = conflist(confDir, network);
            String text = Files.readString(conf);
            Optional<String> changed;
            try {
                changed = chained(text, socket);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("cni.chainingTarget '" + network + "': " + conf + ": " + e.getMessage());
            }
            if (changed.isPresent()) {
                writeAtomically(conf, changed.get().getBytes(java.nio.charset.StandardCharsets.UTF_8), "rw-r--r--");
                LOG.infof("CNI network '%s' (%s) chains %s after its own plugins", network, conf, PLUGIN);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("set up CNI chaining into '" + network + "' in " + confDir, e);
        }
    }

    /**
     * The conflist with sluice-cni last, talking to {@code socket}; empty when it already is so.
     * Refuses a text that is not a conflist (an object with a {@code plugins} list).
     */
    public static Optional<String> chained(String conflist, String socket) {
        JsonNode root;
        try {
            root = JSON.readTree(conflist);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage());
        }
        if (!(root instanceof ObjectNode o) || !(o.get("plugins") instanceof ArrayNode plugins)) {
            throw new IllegalArgumentException("plugins: not a conflist (an object with a 'plugins' list)");
        }
        ObjectNode ours = JSON.createObjectNode().put("type", PLUGIN).put("socket", socket);
        List<JsonNode> kept = new ArrayList<>();
        plugins.forEach(p -> {
            if (!PLUGIN.equals(p.path("type").asText())) {
                kept.add(p);
            }
        });
        if (kept.isEmpty()) {
            throw new IllegalArgumentException("plugins: no plugin of the cluster's own to chain after");
        }
        if (kept.size() == plugins.size() - 1 && plugins.get(plugins.size() - 1).equals(ours)) {
            return Optional.empty();
        }
        plugins.removeAll();
        kept.forEach(plugins::add);
        plugins.add(ours);
        try {
            return Optional.of(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The conflist file whose network has that name. */
    private static Path conflist(Path confDir, String network) throws IOException {
        List<String> names = new ArrayList<>();
        Path[] files;
        try (var list = Files.list(confDir)) {
            files = list.filter(f -> f.getFileName().toString().endsWith(".conflist")).sorted().toArray(Path[]::new);
        }
        for (Path f : files) {
            try {
                String name = JSON.readTree(Files.readString(f)).path("name").asText();
                if (name.equals(network)) {
                    return f;
                }
                names.add(name + " (" + f.getFileName() + ")");
            } catch (IOException e) {
                names.add("unreadable " + f.getFileName());
            }
        }
        throw new IllegalStateException("cni.chainingTarget '" + network + "': no CNI network of that name in " + confDir
                + (names.isEmpty() ? " (no .conflist there)" : "; there are: " + String.join(", ", names)));
    }

    private static void install(Path plugin, Path target) throws IOException {
        byte[] bytes = Files.readAllBytes(plugin);
        if (Files.exists(target) && Arrays.equals(Files.readAllBytes(target), bytes)) {
            return;
        }
        writeAtomically(target, bytes, "rwxr-xr-x");
        LOG.infof("installed the CNI plugin %s", target);
    }

    /** A running plugin keeps its old file; the next one execs the new. */
    private static void writeAtomically(Path target, byte[] bytes, String mode) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".sluice-tmp");
        Files.write(tmp, bytes);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(mode));
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
