package io.sluice.api.node;

import java.util.List;
import java.util.Map;

/** What {@code sluice pod run} asks for: a pod with labels, named ports and one command. */
public record PodSpec(String name, String namespace, Map<String, String> labels, Map<String, String> ports,
                      List<String> command) {
    public PodSpec {
        namespace = namespace == null || namespace.isEmpty() ? "default" : namespace;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        ports = ports == null ? Map.of() : Map.copyOf(ports);
        command = command == null ? List.of() : List.copyOf(command);
    }
}
