package io.sluice.agent.envoy;

import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.sluice.policy.Cidr;
import io.sluice.policy.Direction;
import io.sluice.policy.HttpRule;
import io.sluice.policy.Identity;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * RBAC for one endpoint and port: a policy per peer identity that allows the peer's requests
 * matching any of its HTTP rules. Ingress names the peer by the request's source address
 * (principal); egress by the destination address (permission). As Cilium's, fields
 * are RE2 regexes over the whole value; a header is {@code Name} (present) or {@code Name value}.
 */
final class Rbac {
    private Rbac() {}

    static RBAC of(Direction direction, Map<Integer, List<HttpRule>> peers, Map<Integer, List<Cidr>> addresses) {
        RBAC.Builder rbac = RBAC.newBuilder().setAction(RBAC.Action.ALLOW);
        peers.forEach((identity, rules) -> {
            Permission requests = Permission.newBuilder().setOrRules(Permission.Set.newBuilder()
                    .addAllRules(rules.stream().map(Rbac::permission).toList())).build();
            Policy.Builder p = Policy.newBuilder();
            boolean any = identity == Identity.ANY;
            List<CidrRange> peerAddresses = any ? List.of() : ranges(addresses.getOrDefault(identity, List.of()));
            if (direction == Direction.INGRESS) {
                p.addPermissions(requests);
                if (any) {
                    p.addPrincipals(Principal.newBuilder().setAny(true));
                } else {
                    p.addPrincipals(Principal.newBuilder().setOrIds(Principal.Set.newBuilder().addAllIds(
                            peerAddresses.stream().map(c -> Principal.newBuilder().setDirectRemoteIp(c).build()).toList())));
                }
            } else {
                Permission.Builder to = any ? Permission.newBuilder().setAny(true) : Permission.newBuilder().setOrRules(
                        Permission.Set.newBuilder().addAllRules(peerAddresses.stream()
                                .map(c -> Permission.newBuilder().setDestinationIp(c).build()).toList()));
                p.addPermissions(Permission.newBuilder().setAndRules(Permission.Set.newBuilder()
                        .addRules(to).addRules(requests)));
                p.addPrincipals(Principal.newBuilder().setAny(true));
            }
            // An identity without addresses (no pod left) matches nothing: an empty or_ids would be invalid.
            if (!any && peerAddresses.isEmpty()) {
                return;
            }
            rbac.putPolicies("identity-" + identity, p.build());
        });
        return rbac.build();
    }

    static Permission permission(HttpRule rule) {
        List<Permission> all = new ArrayList<>();
        if (!rule.method().isEmpty()) {
            all.add(header(regex(":method", rule.method())));
        }
        if (!rule.path().isEmpty()) {
            all.add(header(regex(":path", rule.path())));
        }
        if (!rule.host().isEmpty()) {
            all.add(header(regex(":authority", rule.host())));
        }
        for (String h : rule.headers()) {
            int sp = h.indexOf(' ');
            HeaderMatcher.Builder m = HeaderMatcher.newBuilder().setName(sp < 0 ? h : h.substring(0, sp));
            if (sp < 0) {
                m.setPresentMatch(true);
            } else {
                m.setStringMatch(StringMatcher.newBuilder().setExact(h.substring(sp + 1)));
            }
            all.add(header(m.build()));
        }
        if (all.isEmpty()) {
            return Permission.newBuilder().setAny(true).build();
        }
        return Permission.newBuilder().setAndRules(Permission.Set.newBuilder().addAllRules(all)).build();
    }

    private static HeaderMatcher regex(String name, String regex) {
        return HeaderMatcher.newBuilder().setName(name).setStringMatch(StringMatcher.newBuilder()
                .setSafeRegex(RegexMatcher.newBuilder().setRegex(regex))).build();
    }

    private static Permission header(HeaderMatcher m) {
        return Permission.newBuilder().setHeader(m).build();
    }

    static List<CidrRange> ranges(List<Cidr> cidrs) {
        return cidrs.stream().map(c -> CidrRange.newBuilder().setAddressPrefix(Cidr.format(c.address()))
                .setPrefixLen(com.google.protobuf.UInt32Value.of(c.prefixLen())).build()).toList();
    }
}
