package io.sluice.manifest;

import io.sluice.policy.Cidr;
import io.sluice.policy.Entity;
import io.sluice.policy.HttpRule;
import io.sluice.policy.Label;
import io.sluice.policy.Peer;
import io.sluice.policy.PeerRule;
import io.sluice.policy.PolicyRule;
import io.sluice.policy.PortProtocol;
import io.sluice.policy.ProxyListener;
import io.sluice.policy.Protocol;
import io.sluice.policy.Selector;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the spec/specs of a CiliumNetworkPolicy (namespace non-empty) or of a clusterwide one
 * (namespace empty) into scoped rules, reporting every invalid field.
 */
final class PolicyReader {
    private static final Set<String> RULE_KEYS = Set.of("endpointSelector", "nodeSelector", "ingress", "ingressDeny",
            "egress", "egressDeny", "enableDefaultDeny", "description", "labels");
    private static final Set<String> INGRESS_KEYS = Set.of("fromEndpoints", "fromEntities", "fromCIDR", "fromCIDRSet",
            "toPorts", "fromRequires", "icmps", "authentication", "auth", "fromNodes", "fromGroups");
    private static final Set<String> EGRESS_KEYS = Set.of("toEndpoints", "toEntities", "toCIDR", "toCIDRSet",
            "toPorts", "toServices", "toFQDNs", "toRequires", "icmps", "authentication", "auth", "toNodes", "toGroups");
    /** IANA service name, the form of a named port. */
    private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?");
    private static final int MAX_PORTS = 40;

    private PolicyReader() {}

    static List<PolicyRule> read(Field root, String source, String namespace) {
        Field spec = root.get("spec"), specs = root.get("specs");
        List<Field> ruleFields = new ArrayList<>();
        if (spec.present()) {
            ruleFields.add(spec);
        }
        ruleFields.addAll(specs.list());
        if (ruleFields.isEmpty()) {
            root.get("spec").problem("spec or specs is required");
        }
        List<PolicyRule> rules = new ArrayList<>();
        for (Field f : ruleFields) {
            if (f.isObject()) {
                rules.add(rule(f, source, namespace));
            }
        }
        return rules;
    }

    private static PolicyRule rule(Field f, String source, String namespace) {
        f.allowOnly(RULE_KEYS);
        Field es = f.get("endpointSelector");
        if (!es.present() && !f.get("nodeSelector").present()) {
            es.problem("endpointSelector or nodeSelector is required");
        }
        if (f.get("nodeSelector").present()) {
            f.get("nodeSelector").problem("host policies (nodeSelector) are not supported on this node");
        }
        Selector subject = Selectors.read(es);
        if (!namespace.isEmpty()) {
            subject = subject.inNamespace(namespace);
        }
        Field dd = f.get("enableDefaultDeny");
        dd.allowOnly(Set.of("ingress", "egress"));
        PolicyRule.DefaultDeny defaultDeny = new PolicyRule.DefaultDeny(
                dd.get("ingress").bool().orElse(true), dd.get("egress").bool().orElse(true));
        return new PolicyRule(source, subject,
                peerRules(f.get("ingress"), true, false, namespace), peerRules(f.get("ingressDeny"), true, true, namespace),
                peerRules(f.get("egress"), false, false, namespace), peerRules(f.get("egressDeny"), false, true, namespace),
                defaultDeny);
    }

    private static List<PeerRule> peerRules(Field list, boolean ingress, boolean deny, String namespace) {
        List<PeerRule> out = new ArrayList<>();
        String dir = ingress ? "from" : "to";
        for (Field r : list.list()) {
            if (!r.isObject()) {
                continue;
            }
            r.allowOnly(ingress ? INGRESS_KEYS : EGRESS_KEYS);
            for (String unsupported : List.of(dir + "Requires", "icmps", "authentication", "auth", dir + "Nodes", dir + "Groups",
                    "toServices", "toFQDNs")) {
                if (r.get(unsupported).present()) {
                    r.get(unsupported).problem("not supported on this node yet");
                }
            }
            List<Peer> peers = new ArrayList<>();
            for (Field sel : r.get(dir + "Endpoints").list()) {
                peers.add(new Peer.Endpoints(scopePeer(Selectors.read(sel), namespace)));
            }
            entities(r.get(dir + "Entities")).ifPresent(peers::add);
            for (Field c : r.get(dir + "CIDR").list()) {
                cidr(c).ifPresent(x -> peers.add(new Peer.Cidrs(x, List.of())));
            }
            for (Field cs : r.get(dir + "CIDRSet").list()) {
                cidrSet(cs).ifPresent(peers::add);
            }
            List<PortRule> toPorts = toPorts(r.get("toPorts"), ingress, deny, namespace);
            if (toPorts.isEmpty()) {
                out.add(new PeerRule(peers, List.of()));
            }
            toPorts.forEach(tp -> out.add(new PeerRule(peers, tp.ports(), tp.http(), tp.listener())));
        }
        return out;
    }

    /** A namespaced policy's peers stay in its namespace unless they name one, as Cilium's. */
    private static Selector scopePeer(Selector s, String namespace) {
        return namespace.isEmpty() || s.mentions(Label.NAMESPACE) ? s : s.inNamespace(namespace);
    }

    private static Optional<Peer> entities(Field f) {
        if (!f.present()) {
            return Optional.empty();
        }
        Set<Entity> set = EnumSet.noneOf(Entity.class);
        for (Field e : f.list()) {
            e.string().ifPresent(s -> Entity.parse(s).ifPresentOrElse(set::add,
                    () -> e.problem("unknown entity '" + s + "' (one of all, world, cluster, host, remote-node, "
                            + "kube-apiserver, init, health, unmanaged, ingress, none)")));
        }
        return Optional.of(new Peer.Entities(set));
    }

    private static Optional<Cidr> cidr(Field f) {
        return f.string().flatMap(s -> {
            Optional<Cidr> c = Cidr.parse(s);
            if (c.isEmpty()) {
                f.problem("'" + s + "' is not an IPv4 CIDR such as 10.0.0.0/8");
            }
            return c;
        });
    }

    private static Optional<Peer> cidrSet(Field f) {
        if (!f.isObject()) {
            return Optional.empty();
        }
        f.allowOnly(Set.of("cidr", "except", "cidrGroupRef", "cidrGroupSelector"));
        if (!f.get("cidr").present()) {
            f.get("cidr").problem("is required");
            return Optional.empty();
        }
        Optional<Cidr> base = cidr(f.get("cidr"));
        List<Cidr> except = new ArrayList<>();
        for (Field e : f.get("except").list()) {
            cidr(e).ifPresent(x -> {
                if (base.isPresent() && !base.get().contains(x)) {
                    e.problem(x + " is not inside " + base.get());
                }
                except.add(x);
            });
        }
        return base.map(b -> new Peer.Cidrs(b, except));
    }

    /** One toPorts entry: its ports and, when it has {@code rules.http}, the HTTP rules, or the listener it names. */
    private record PortRule(List<PortProtocol> ports, List<HttpRule> http, ProxyListener listener) {}

    private static List<PortRule> toPorts(Field toPorts, boolean ingress, boolean deny, String namespace) {
        List<PortRule> out = new ArrayList<>();
        for (Field tp : toPorts.list()) {
            if (!tp.isObject()) {
                continue;
            }
            tp.allowOnly(Set.of("ports", "rules", "listener", "serverNames", "terminatingTLS", "originatingTLS"));
            for (String unsupported : List.of("serverNames", "terminatingTLS", "originatingTLS")) {
                if (tp.get(unsupported).present()) {
                    tp.get(unsupported).problem("not supported on this node yet");
                }
            }
            ProxyListener listener = listener(tp.get("listener"), ingress, deny, namespace);
            if (listener.present() && tp.get("rules").present()) {
                tp.get("listener").problem("cannot be combined with L7 rules (rules)");
            }
            List<Field> portFields = tp.get("ports").list();
            if (portFields.size() > MAX_PORTS) {
                tp.get("ports").problem("at most " + MAX_PORTS + " ports per entry");
            }
            List<PortProtocol> ports = new ArrayList<>();
            for (Field p : portFields) {
                port(p).ifPresent(ports::add);
            }
            List<HttpRule> http = HttpRules.read(tp.get("rules"), deny);
            if (!http.isEmpty() && ports.stream().noneMatch(p -> p.port() > 0 || p.named())) {
                tp.get("rules").problem("L7 rules need a port in ports");
            }
            if (!http.isEmpty() && ports.stream().anyMatch(p -> p.protocol() == Protocol.UDP || p.protocol() == Protocol.SCTP)) {
                tp.get("rules").problem("HTTP rules apply to TCP ports only");
            }
            out.add(new PortRule(ports, http, listener));
        }
        return out;
    }

    /**
     * {@code listener: {envoyConfig: {kind, name}, name, priority}} (COMPAT.md section 8): egress
     * allows only; a clusterwide policy names a clusterwide config; the listener's qualified name
     * is the config's ({@code ns/cec/listener} or {@code /ccec/listener}).
     */
    private static ProxyListener listener(Field f, boolean ingress, boolean deny, String namespace) {
        if (!f.present() || !f.isObject()) {
            return ProxyListener.NONE;
        }
        f.allowOnly(Set.of("envoyConfig", "name", "priority"));
        Field config = f.get("envoyConfig");
        config.allowOnly(Set.of("kind", "name"));
        String kind = config.get("kind").requiredString();
        String configName = config.get("name").requiredString();
        String name = f.get("name").requiredString();
        int priority = f.get("priority").present() ? number(f.get("priority"), f.get("priority").node().asText())
                : ProxyListener.DEFAULT_PRIORITY;
        if (f.get("priority").present() && (priority < 1 || priority > 100)) {
            f.get("priority").problem("must be 1-100");
            return ProxyListener.NONE;
        }
        if (ingress || deny) {
            f.problem("only egress allow rules can name a listener");
            return ProxyListener.NONE;
        }
        boolean clusterwide = kind.equals("CiliumClusterwideEnvoyConfig");
        if (!clusterwide && !kind.equals("CiliumEnvoyConfig")) {
            if (!kind.isEmpty()) {
                config.get("kind").problem("'" + kind + "' is not CiliumEnvoyConfig or CiliumClusterwideEnvoyConfig");
            }
            return ProxyListener.NONE;
        }
        if (!clusterwide && namespace.isEmpty()) {
            config.get("kind").problem("a clusterwide policy can only name a CiliumClusterwideEnvoyConfig");
            return ProxyListener.NONE;
        }
        if (configName.isEmpty() || name.isEmpty()) {
            return ProxyListener.NONE;
        }
        return new ProxyListener((clusterwide ? "" : namespace) + "/" + configName + "/" + name, priority);
    }

    private static Optional<PortProtocol> port(Field p) {
        if (!p.isObject()) {
            return Optional.empty();
        }
        p.allowOnly(Set.of("port", "endPort", "protocol"));
        Protocol proto = protocol(p.get("protocol"));
        String port = p.get("port").string().orElse("0");
        int end = p.get("endPort").present() ? number(p.get("endPort"), p.get("endPort").node().asText()) : 0;
        if (port.chars().allMatch(Character::isDigit) && !port.isEmpty()) {
            int n = number(p.get("port"), port);
            if (end != 0 && end < n) {
                p.get("endPort").problem("must not be less than port " + n);
                return Optional.empty();
            }
            return n < 0 || end < 0 ? Optional.empty() : Optional.of(new PortProtocol(n, end, proto, ""));
        }
        if (!PORT_NAME.matcher(port).matches() || port.chars().noneMatch(Character::isLetter)) {
            p.get("port").problem("'" + port + "' is neither a port number (0-65535) nor a port name");
            return Optional.empty();
        }
        if (end != 0) {
            p.get("endPort").problem("cannot be used with a named port");
        }
        return Optional.of(new PortProtocol(0, 0, proto, port));
    }

    private static int number(Field f, String s) {
        try {
            int n = Integer.parseInt(s);
            if (n >= 0 && n <= 65535) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        f.problem("'" + s + "' is out of range (0-65535)");
        return -1;
    }

    private static Protocol protocol(Field f) {
        String s = f.string().orElse("ANY");
        return switch (s) {
            case "TCP" -> Protocol.TCP;
            case "UDP" -> Protocol.UDP;
            case "SCTP" -> Protocol.SCTP;
            case "ANY" -> Protocol.ANY;
            default -> {
                f.problem("'" + s + "' is not one of TCP, UDP, SCTP, ANY");
                yield Protocol.ANY;
            }
        };
    }
}
