package io.sluice.agent.node;

import io.sluice.agent.endpoint.Endpoint;
import io.sluice.manifest.Resource;
import io.sluice.policy.Cidr;
import io.sluice.policy.EndpointPolicy;
import io.sluice.policy.Identity;
import io.sluice.policy.Label;
import io.sluice.policy.Labels;
import io.sluice.policy.Peer;
import io.sluice.policy.PeerRule;
import io.sluice.policy.PolicyRule;
import io.sluice.policy.PolicySubject;
import io.sluice.agent.service.Frontend;
import io.sluice.agent.service.ServiceFrontends;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What the datapath should hold, computed from endpoints, applied objects and allocated
 * identities: {@code desired(state)} in the operator sense. Pure.
 */
public record DesiredState(Map<Cidr, Integer> ipcache, Map<Endpoint, EndpointPolicy> policies, List<Frontend> frontends,
                    List<Identity> identities) {

    /** The identity the datapath of d gives an address (a pod, the router), or world; world before the first reconcile (null). */
    public static int identityOf(DesiredState d, String address) {
        return Cidr.parse(address).filter(c -> c.prefixLen() == 32 && d != null)
                .map(c -> d.ipcache().getOrDefault(c, Identity.WORLD)).orElse(Identity.WORLD);
    }

    /** Reserved identities and their labels, as Cilium numbers them. */
    static final List<Identity> RESERVED = List.of(
            reserved(Identity.HOST, "host"), reserved(Identity.WORLD, "world"), reserved(Identity.UNMANAGED, "unmanaged"),
            reserved(Identity.HEALTH, "health"), reserved(Identity.INIT, "init"), reserved(Identity.REMOTE_NODE, "remote-node"),
            reserved(Identity.KUBE_APISERVER, "kube-apiserver"), reserved(Identity.INGRESS, "ingress"),
            reserved(Identity.WORLD_IPV4, "world-ipv4"), reserved(Identity.WORLD_IPV6, "world-ipv6"));

    private static Identity reserved(int id, String name) {
        return new Identity(id, Labels.of(new Label(Label.RESERVED, name, "")));
    }

    /** Every CIDR a rule names (including excepts), each needing an identity of its own. */
    static List<Cidr> cidrsOf(List<PolicyRule> rules) {
        TreeSet<String> seen = new TreeSet<>();
        List<Cidr> out = new ArrayList<>();
        rules.stream().flatMap(r -> Stream.of(r.ingress(), r.ingressDeny(), r.egress(), r.egressDeny()))
                .flatMap(List::stream).map(PeerRule::peers).flatMap(List::stream)
                .forEach(p -> {
                    if (p instanceof Peer.Cidrs c) {
                        Stream.concat(Stream.of(c.cidr()), c.except().stream())
                                .filter(x -> x.prefixLen() > 0 && seen.add(x.toString())).forEach(out::add);
                    }
                });
        return out;
    }

    static DesiredState compute(List<Endpoint> endpoints, List<PolicyRule> rules, Map<Cidr, Integer> cidrIdentities,
                                Map<Resource.Service, Integer> services, Optional<List<Frontend>> listed, int router,
                                PolicyCache cache) {
        Map<Integer, Identity> ids = new LinkedHashMap<>();
        RESERVED.forEach(i -> ids.put(i.id(), i));
        endpoints.forEach(e -> ids.putIfAbsent(e.identity(), new Identity(e.identity(), e.labels())));
        cidrIdentities.forEach((c, id) -> ids.put(id, new Identity(id, Labels.of(new Label(Label.CIDR, c.toString(), "")))));
        Map<Endpoint, PolicySubject> subjects = new LinkedHashMap<>();
        endpoints.forEach(e -> subjects.put(e, new PolicySubject(e.labels(), e.namedPorts())));
        Map<PolicySubject, EndpointPolicy> bySubject = cache.resolve(subjects.values(), rules, cidrIdentities, ids.values());
        Map<Endpoint, EndpointPolicy> policies = new LinkedHashMap<>();
        subjects.forEach((e, s) -> policies.put(e, bySubject.get(s)));
        Map<Cidr, Integer> ipcache = new HashMap<>(cidrIdentities);
        ipcache.put(new Cidr(router, 32), Identity.HOST);
        endpoints.forEach(e -> ipcache.put(new Cidr(e.address(), 32), e.identity()));
        List<Frontend> frontends = listed.orElseGet(() -> services.entrySet().stream()
                .flatMap(s -> ServiceFrontends.of(s.getKey(), s.getValue(), endpoints).stream()).toList());
        return new DesiredState(ipcache, policies, frontends, List.copyOf(ids.values()));
    }

}
