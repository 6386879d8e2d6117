package io.sluice.agent.dns;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.sluice.policy.Cidr;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;

/** The zone as a JSON file of name -> address, replaced atomically so a reader never sees half. */
public record ZoneFile(Path path) {
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    public void write(ClusterZone zone) {
        Map<String, String> out = new TreeMap<>();
        zone.addresses().forEach((n, a) -> out.put(n, Cidr.format(a)));
        try {
            Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
            JSON.writeValue(tmp.toFile(), out);
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("write DNS zone " + path, e);
        }
    }

    /** The zone in the file; an empty zone when there is no file yet. */
    public ClusterZone read() {
        if (!Files.exists(path)) {
            return new ClusterZone(Map.of());
        }
        try {
            Map<String, String> in = JSON.readValue(path.toFile(), new TypeReference<Map<String, String>>() {});
            Map<String, Integer> zone = new TreeMap<>();
            in.forEach((n, a) -> Cidr.parse(a).ifPresent(c -> zone.put(n, c.address())));
            return new ClusterZone(zone);
        } catch (IOException e) {
            throw new UncheckedIOException("read DNS zone " + path, e);
        }
    }
}
