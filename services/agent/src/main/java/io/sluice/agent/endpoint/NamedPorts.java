package io.sluice.agent.endpoint;

import io.sluice.policy.NamedPort;
import io.sluice.policy.Protocol;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Parses a pod's port declarations, {@code http=80} or {@code dns=53/UDP}. */
public final class NamedPorts {
    private NamedPorts() {}

    /** The parsed ports, or the reasons the declarations are wrong (one per bad entry). */
    public record Parsed(Map<String, NamedPort> ports, List<String> errors) {}

    public static Parsed parse(Map<String, String> declared) {
        Map<String, NamedPort> out = new LinkedHashMap<>();
        List<String> errors = new java.util.ArrayList<>();
        declared.forEach((name, spec) -> parseOne(spec).ifPresentOrElse(p -> out.put(name, p),
                () -> errors.add("port " + name + "=" + spec + ": expected PORT or PORT/TCP|UDP|SCTP with PORT in 1-65535")));
        declared.keySet().stream().filter(n -> !n.matches("[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?"))
                .forEach(n -> errors.add("port name '" + n + "': must be a lowercase name of at most 15 characters"));
        return new Parsed(out, errors);
    }

    private static Optional<NamedPort> parseOne(String spec) {
        String[] parts = spec.split("/", -1);
        try {
            int port = Integer.parseInt(parts[0]);
            Protocol proto = parts.length == 1 ? Protocol.TCP : Protocol.valueOf(parts[1]);
            if (parts.length > 2 || port < 1 || port > 65535 || proto == Protocol.ANY || proto == Protocol.ICMP) {
                return Optional.empty();
            }
            return Optional.of(new NamedPort(port, proto));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
