package io.sluice.agent.kube;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.sluice.kube.Core;
import io.sluice.agent.endpoint.Endpoint;
import io.sluice.manifest.Invalid;
import io.sluice.manifest.Manifests;
import io.sluice.manifest.ObjectRef;
import io.sluice.manifest.Resource;
import io.sluice.agent.node.NodeInputs;
import io.sluice.agent.node.NodeView.Problem;
import io.sluice.policy.Cidr;
import io.sluice.policy.PodIdentity;
import io.sluice.policy.Labels;
import io.sluice.policy.NamedPort;
import io.sluice.policy.PolicyRule;
import io.sluice.policy.Protocol;
import io.sluice.agent.service.Frontend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.ToIntFunction;

/**
 * Turns what the API server holds into the node's inputs, as Cilium reads the same objects. Pure
 * but for the identities it allocates (kept in the map it is given):
 * <ul>
 * <li>an endpoint for each pod of this node with an address, not on the host's network and not
 *     finished; its labels are Cilium's (the pod's, its namespace's as
 *     {@code io.cilium.k8s.namespace.labels.*}, its service account and cluster); its address and
 *     host interface come from the CNI plugin's ADD, else from the pod's status and the route to it;
 *     its endpoint id is its address's offset in the pod CIDR, so it is the same after a restart;
 *     its identity is the cluster's CiliumIdentity of its labels ({@link Identities});</li>
 * <li>ClusterIP Services with their EndpointSlices' ready endpoints as backends;</li>
 * <li>CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy read by the standalone node's own
 *     reader; one it refuses is reported, and the others are enforced.</li>
 * </ul>
 */
public final class KubeInputs {
    static final String SERVICE_NAME = "kubernetes.io/service-name";
    private static final ObjectMapper JSON = new ObjectMapper();

    private KubeInputs() {}

    /** The inputs, what the node was given but cannot enforce, and its verdict on each policy. */
    /**
     * The node's inputs, what is wrong with them, the verdict on each policy, and the object of
     * each Envoy config the inputs carry (by kind/namespace/name), to write what Envoy made of it.
     */
    public record Translation(NodeInputs inputs, List<Problem> problems, List<PolicyVerdict> verdicts,
                              Map<String, GenericKubernetesResource> envoyConfigObjects) {}

    /** This node's verdict on one policy object: enforced, or why not (empty error: enforced). */
    public record PolicyVerdict(GenericKubernetesResource policy, boolean valid, String error) {
        public boolean enforced() {
            return error.isEmpty();
        }

        /**
         * This verdict with what the reconcile found wrong with the policy, if anything
         * (problems by the policy's {@code ObjectRef.toString()}, as {@code Reconciler.Result#policyProblems}).
         */
        PolicyVerdict withProblem(Map<String, String> problems) {
            String why = problems.get(new ObjectRef(policy.getKind(), Objects.requireNonNullElse(policy.getMetadata().getNamespace(), ""),
                    policy.getMetadata().getName()).toString());
            return why == null || !error.isEmpty() ? this : new PolicyVerdict(policy, valid, why);
        }
    }

    /**
     * @param attachments the CNI plugin's ADDs by pod (namespace/name)
     * @param routes      the host's /32 routes: address -> device
     * @param ifindexOf   a host device's ifindex, 0 when it is gone
     * @param identities  label string -> identity, shared by every reconcile; new label sets are added
     */
    public static Translation translate(ClusterObjects objects, Map<String, Attachment> attachments, Map<Integer, String> routes,
                                        ToIntFunction<String> ifindexOf, Cidr podCidr, Map<String, Integer> identities,
                                        boolean proxy) {
        List<Problem> problems = new ArrayList<>();
        Map<String, Map<String, String>> nsLabels = new LinkedHashMap<>();
        for (Core.Namespace n : objects.namespaces()) {
            nsLabels.put(n.metadata().name(), n.metadata().labelsOrEmpty());
        }
        Identities ids = new Identities(clusterIdentities(objects.identities()), identities);
        List<NodeInputs.LocalEndpoint> endpoints = new ArrayList<>();
        for (Core.Pod pod : objects.pods().stream().sorted(Comparator.comparing(Core.Pod::key)).toList()) {
            endpoint(pod, attachments.get(pod.key()), routes, ifindexOf, podCidr, ids, nsLabels, problems)
                    .ifPresent(endpoints::add);
        }
        List<PolicyRule> rules = new ArrayList<>();
        List<PolicyVerdict> verdicts = new ArrayList<>();
        for (GenericKubernetesResource p : objects.policies()) {
            Manifests.Parsed parsed = Manifests.parseStored(JSON.valueToTree(p));
            String error = String.join("\n", parsed.invalid().stream().map(Invalid::message).toList());
            boolean valid = error.isEmpty();
            for (Resource r : parsed.resources()) {
                Resource.NetworkPolicy np = (Resource.NetworkPolicy) r;
                if (!proxy && np.hasL7()) {
                    error = np.ref() + ": L7 rules need Envoy, which is not running on this node";
                } else {
                    rules.addAll(np.rules());
                }
            }
            if (!error.isEmpty()) {
                problems.add(new Problem("Policy", error + " (not enforced)"));
            }
            verdicts.add(new PolicyVerdict(p, valid, error));
        }
        Map<Resource.Service, Integer> services = new LinkedHashMap<>();
        List<Frontend> frontends = new ArrayList<>();
        for (Core.Service s : objects.services()) {
            service(s).ifPresent(svc -> {
                int vip = Cidr.parse(s.spec().clusterIP()).orElseThrow().address();
                services.put(svc, vip);
                frontends.addAll(frontends(svc, vip, objects.slices()));
            });
        }
        // Envoy configs go to this node's Envoy; an invalid one is left out (its Valid condition,
        // the operator's, says why).
        List<Resource.EnvoyConfig> envoyConfigs = new ArrayList<>();
        Map<String, GenericKubernetesResource> envoyObjects = new LinkedHashMap<>();
        for (GenericKubernetesResource c : objects.envoyConfigs()) {
            Manifests.Parsed parsed = Manifests.parseStored(JSON.valueToTree(c));
            if (!parsed.invalid().isEmpty()) {
                problems.add(new Problem("Envoy config", String.join("\n", parsed.invalid().stream().map(Invalid::message).toList())
                        + " (not programmed)"));
            } else if (!proxy) {
                problems.add(new Problem("Envoy config", NodeStatusWriter.key(c) + ": not programmed, Envoy is not running on this node"));
            } else {
                for (Resource r : parsed.resources()) {
                    Resource.EnvoyConfig ec = (Resource.EnvoyConfig) r;
                    envoyConfigs.add(ec);
                    envoyObjects.put(io.sluice.agent.node.Node.key(ec), c);
                }
            }
        }
        return new Translation(new NodeInputs(endpoints, rules, Map.of(), services, Optional.of(frontends), envoyConfigs), problems,
                verdicts, envoyObjects);
    }

    private static Optional<NodeInputs.LocalEndpoint> endpoint(Core.Pod pod, Attachment attached, Map<Integer, String> routes,
                                                               ToIntFunction<String> ifindexOf, Cidr podCidr,
                                                               Identities identities,
                                                               Map<String, Map<String, String>> nsLabels, List<Problem> problems) {
        if (pod.hostNetwork()) {
            return Optional.empty();
        }
        String phase = pod.phase();
        if (phase.equals("Succeeded") || phase.equals("Failed")) {
            return Optional.empty();
        }
        Optional<Cidr> ip = attached != null ? Optional.of(new Cidr(attached.address(), 32))
                : Optional.ofNullable(pod.podIP()).flatMap(Cidr::parse);
        if (ip.isEmpty()) {
            return Optional.empty(); // no network yet: the CNI plugin's ADD brings it
        }
        int address = ip.get().address();
        int id = address - podCidr.address();
        if (!podCidr.contains(address) || id < 1 || id > 0xffff) {
            problems.add(new Problem("Endpoint", "pod " + pod.key() + ": not enforced, its address " + Cidr.format(address)
                    + " is outside this node's pod CIDR " + podCidr + " (set --pod-cidr to the range the cluster's CNI hands out)"));
            return Optional.empty();
        }
        String ns = pod.metadata().namespace();
        Labels labels = PodIdentity.labels(ns, pod.metadata().labelsOrEmpty(), nsLabels.getOrDefault(ns, Map.of()),
                pod.spec() == null ? null : pod.spec().serviceAccountName());
        Endpoint e = new Endpoint(ns, pod.metadata().name(), id, identities.of(labels), labels, address,
                namedPorts(pod), pod.ready());
        String device = attached != null ? attached.hostInterface() : routes.get(address);
        int ifindex = device == null ? 0 : ifindexOf.applyAsInt(device);
        if (ifindex == 0) {
            return Optional.of(NodeInputs.LocalEndpoint.missing(e, device == null
                    ? "no route to its address " + Cidr.format(address) + " on this host (its veth is gone)"
                    : "its veth " + device + " is missing on the host"));
        }
        return Optional.of(NodeInputs.LocalEndpoint.attached(e, ifindex));
    }

    /**
     * The identity of each label set: the cluster's (its CiliumIdentity object, allocated by the
     * operator) when there is one; else the one this node chose before, unless the cluster gave
     * that number to another set meanwhile; else the number the operator will choose
     * ({@link PodIdentity#allocate}), so a pod is enforced before its object exists. Kept in the
     * node's map once chosen.
     */
    record Identities(Map<String, Integer> cluster, Map<String, Integer> kept) {
        int of(Labels labels) {
            String key = labels.toString();
            Integer id = cluster.get(key);
            if (id == null) {
                id = kept.get(key);
                if (id == null || cluster.containsValue(id)) {
                    Map<String, Integer> taken = new HashMap<>(kept);
                    taken.remove(key);
                    taken.putAll(cluster);
                    id = PodIdentity.allocate(labels, taken);
                }
            }
            kept.put(key, id);
            return id;
        }
    }

    /** The CiliumIdentity objects as label set -> number (objects not named by a number are not identities of pods). */
    static Map<String, Integer> clusterIdentities(List<GenericKubernetesResource> objects) {
        Map<String, Integer> out = new HashMap<>();
        for (GenericKubernetesResource o : objects) {
            Object labels = o.getAdditionalProperties().get("security-labels");
            if (!(labels instanceof Map<?, ?> m)) {
                continue;
            }
            try {
                Map<String, String> sec = new HashMap<>();
                m.forEach((k, v) -> sec.put(String.valueOf(k), v == null ? "" : String.valueOf(v)));
                out.put(PodIdentity.fromSecurityLabels(sec).toString(), Integer.parseInt(o.getMetadata().getName()));
            } catch (NumberFormatException e) {
                // not an identity of the cluster-scoped range
            }
        }
        return out;
    }

    private static Map<String, NamedPort> namedPorts(Core.Pod pod) {
        Map<String, NamedPort> out = new LinkedHashMap<>();
        pod.containers().forEach(c -> {
            for (Core.ContainerPort p : c.ports() == null ? List.<Core.ContainerPort>of() : c.ports()) {
                if (p.name() != null && !p.name().isEmpty() && p.containerPort() != null) {
                    out.putIfAbsent(p.name(), new NamedPort(p.containerPort(), protocol(p.protocol())));
                }
            }
        });
        return out;
    }

    /** A ClusterIP Service with an IPv4 address; headless and ExternalName services have no frontend. */
    static Optional<Resource.Service> service(Core.Service s) {
        String ip = s.spec() == null ? null : s.spec().clusterIP();
        if (ip == null || ip.isEmpty() || ip.equals("None") || Cidr.parse(ip).isEmpty()
                || "ExternalName".equals(s.spec().type())) {
            return Optional.empty();
        }
        List<Resource.ServicePort> ports = new ArrayList<>();
        for (Core.ServicePort p : s.spec().ports() == null ? List.<Core.ServicePort>of() : s.spec().ports()) {
            if (p.port() == null) {
                continue; // the API server requires it
            }
            int targetPort = p.targetPort() == null ? p.port() : p.targetPort() instanceof Number n ? n.intValue() : 0;
            String targetName = p.targetPort() instanceof String name ? name : "";
            ports.add(new Resource.ServicePort(Objects.requireNonNullElse(p.name(), ""), p.port(), targetPort, targetName,
                    protocol(p.protocol())));
        }
        return Optional.of(new Resource.Service(new ObjectRef("Service", s.metadata().namespace(), s.metadata().name()),
                s.spec().selector() == null ? Map.of() : s.spec().selector(), ports, ip, ""));
    }

    /** Per service port, the ready endpoints of the service's slices at that port (matched by port name, as kube-proxy does). */
    static List<Frontend> frontends(Resource.Service svc, int vip, List<Core.EndpointSlice> slices) {
        List<Frontend> out = new ArrayList<>();
        for (Resource.ServicePort sp : svc.ports()) {
            TreeSet<Frontend.Backend> backends = new TreeSet<>(Comparator.comparingInt(Frontend.Backend::address)
                    .thenComparingInt(Frontend.Backend::port));
            for (Core.EndpointSlice slice : slices) {
                if (!svc.ref().namespace().equals(slice.metadata().namespace())
                        || !svc.ref().name().equals(slice.metadata().labelsOrEmpty().get(SERVICE_NAME))
                        || !"IPv4".equals(slice.addressType()) || slice.ports() == null || slice.endpoints() == null) {
                    continue;
                }
                slice.ports().stream()
                        .filter(p -> Objects.requireNonNullElse(p.name(), "").equals(sp.name()) && p.port() != null
                                && protocol(p.protocol()) == sp.protocol())
                        .findFirst().ifPresent(port -> slice.endpoints().forEach(ep -> {
                            boolean ready = ep.conditions() == null || !Boolean.FALSE.equals(ep.conditions().ready());
                            if (ready && ep.addresses() != null) {
                                ep.addresses().forEach(a -> Cidr.parse(a).ifPresent(c ->
                                        backends.add(new Frontend.Backend(c.address(), port.port()))));
                            }
                        }));
            }
            out.add(new Frontend(svc.ref().namespace() + "/" + svc.ref().name(), vip, sp.port(), sp.protocol(), List.copyOf(backends),
                    sp.name() == null ? "" : sp.name()));
        }
        return out;
    }

    private static Protocol protocol(String p) {
        try {
            return p == null || p.isEmpty() ? Protocol.TCP : Protocol.valueOf(p);
        } catch (IllegalArgumentException e) {
            return Protocol.TCP;
        }
    }
}
