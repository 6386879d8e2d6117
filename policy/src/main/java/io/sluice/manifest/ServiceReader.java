package io.sluice.manifest;

import io.sluice.policy.Protocol;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Reads a v1 Service of type ClusterIP (selector, ports, optional fixed clusterIP). */
final class ServiceReader {
    private ServiceReader() {}

    static Resource.Service read(Field root, ObjectRef ref, String source) {
        Field spec = root.get("spec");
        if (!spec.isObject()) {
            spec.problem("is required");
            return new Resource.Service(ref, java.util.Map.of(), List.of(), "", source);
        }
        String type = spec.get("type").string().orElse("ClusterIP");
        if (!type.equals("ClusterIP")) {
            spec.get("type").problem("only ClusterIP services are supported on this node, not " + type);
        }
        String clusterIp = spec.get("clusterIP").string().orElse("");
        if (!clusterIp.isEmpty() && io.sluice.policy.Cidr.parse(clusterIp).filter(c -> c.prefixLen() == 32).isEmpty()) {
            spec.get("clusterIP").problem("'" + clusterIp + "' is not an IPv4 address");
        }
        List<Resource.ServicePort> ports = new ArrayList<>();
        Set<String> names = new HashSet<>();
        List<Field> list = spec.get("ports").list();
        if (list.isEmpty()) {
            spec.get("ports").problem("at least one port is required");
        }
        for (Field p : list) {
            if (!p.isObject()) {
                continue;
            }
            String name = p.get("name").string().orElse("");
            if (!names.add(name)) {
                p.get("name").problem("duplicate port name '" + name + "'");
            }
            int port = portNumber(p.get("port"), true);
            Field tp = p.get("targetPort");
            String target = tp.string().orElse(Integer.toString(port));
            int targetPort = target.chars().allMatch(Character::isDigit) ? portNumber(tp.present() ? tp : p.get("port"), true) : 0;
            String targetName = targetPort == 0 ? target : "";
            Protocol proto = switch (p.get("protocol").string().orElse("TCP")) {
                case "TCP" -> Protocol.TCP;
                case "UDP" -> Protocol.UDP;
                case "SCTP" -> Protocol.SCTP;
                default -> {
                    p.get("protocol").problem("must be TCP, UDP or SCTP");
                    yield Protocol.TCP;
                }
            };
            ports.add(new Resource.ServicePort(name, Math.max(port, 0), Math.max(targetPort, 0), targetName, proto));
        }
        return new Resource.Service(ref, spec.get("selector").stringMap(), ports, clusterIp,
                root.get("metadata").get("annotations").stringMap(), source);
    }

    private static int portNumber(Field f, boolean required) {
        if (!f.present()) {
            if (required) {
                f.problem("is required");
            }
            return -1;
        }
        String s = f.node().asText();
        try {
            int n = Integer.parseInt(s);
            if (n >= 1 && n <= 65535) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        f.problem("'" + s + "' is out of range (1-65535)");
        return -1;
    }
}
