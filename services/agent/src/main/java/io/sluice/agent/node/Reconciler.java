package io.sluice.agent.node;

import io.sluice.agent.bpf.DatapathSink;
import io.sluice.agent.dns.ClusterZone;
import io.sluice.agent.endpoint.Endpoint;
import io.sluice.agent.hubble.Directory;
import io.sluice.policy.Cidr;
import io.sluice.policy.PolicyRule;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The node's one reconciler, whatever source its inputs come from: computes the desired state
 * ({@link DesiredState}, pure) and writes it to the datapath, the proxy and the cluster DNS. Envoy
 * gets its configuration before the datapath redirects to it ({@link ProxyControl}). An endpoint
 * whose host interface is missing is left out of the datapath's endpoint table and reported;
 * every other endpoint is enforced as usual. Idempotent: the same inputs write nothing new. Not
 * thread-safe: the caller serialises.
 */
public final class Reconciler {
    /**
     * Where the desired state goes; the proxy is absent on a node without Envoy. proxyWait is how
     * long a reconcile waits for Envoy's acknowledgement: the standalone node's requests answer
     * once all is enforced (2 s at most); the Kubernetes node does not wait (zero) and reconciles
     * again when Envoy answers.
     */
    public record Sinks(DatapathSink datapath, Optional<ProxyControl> proxy, Consumer<ClusterZone> dns, Duration proxyWait) {
        public Sinks(DatapathSink datapath, Optional<ProxyControl> proxy, Consumer<ClusterZone> dns) {
            this(datapath, proxy, dns, ProxyControl.MAX_WAIT);
        }
    }

    /**
     * What a reconcile computed: the desired state, who is behind each address for flows, and
     * the endpoints it could not enforce (no host interface), each named with why, the host
     * interface of each endpoint it did enforce, and whether Envoy has yet to take the
     * configuration (then endpoints whose policy changed keep their last one: reconcile again),
     * and per policy (its rules' source) what of it does not work as written: the listeners it
     * names that Envoy does not run, whose connections are dropped.
     */
    public record Result(DesiredState desired, Directory directory, List<String> unenforced, Map<Integer, Integer> ifindexById,
                         boolean proxyPending, Map<String, String> policyProblems) {
        public Result {
            unenforced = List.copyOf(unenforced);
            ifindexById = Map.copyOf(ifindexById);
            policyProblems = Map.copyOf(policyProblems);
        }

        /** Whether the endpoint with this id is in the datapath's endpoint table, with its policy. */
        public boolean enforced(int endpointId) {
            return ifindexById.containsKey(endpointId);
        }
    }

    private final Sinks sinks;
    private final Cidr podCidr;
    private final int router;
    private final PolicyCache policyCache = new PolicyCache();
    /** What the datapath holds per endpoint id: a policy change waits here while Envoy has not taken its part. */
    private final Map<Integer, DatapathSink.EndpointState> written = new HashMap<>();

    public Reconciler(Sinks sinks, Cidr podCidr) {
        this.sinks = sinks;
        this.podCidr = podCidr;
        this.router = podCidr.host(1);
    }

    public Result reconcile(NodeInputs in) {
        long t0 = System.nanoTime();
        List<Endpoint> endpoints = in.endpoints().stream().map(NodeInputs.LocalEndpoint::endpoint).toList();
        DesiredState desired = DesiredState.compute(endpoints, in.rules(), in.cidrIdentities(), in.services(), in.frontends(),
                router, policyCache);
        Map<Integer, Integer> endpointByAddress = new HashMap<>();
        Map<Integer, Integer> ifindexById = new HashMap<>();
        List<String> unenforced = new ArrayList<>();
        in.endpoints().forEach(l -> {
            endpointByAddress.put(l.endpoint().address(), l.endpoint().id());
            if (l.ifindex() == NodeInputs.LocalEndpoint.NO_INTERFACE) {
                unenforced.add("pod " + l.endpoint().namespace() + "/" + l.endpoint().name() + ": not enforced, " + l.problem());
            } else {
                ifindexById.put(l.endpoint().id(), l.ifindex());
            }
        });
        sinks.datapath().ipcache(desired.ipcache(), endpointByAddress);
        boolean settled = sinks.proxy().map(p -> p.configure(desired, in.envoyConfigs(), podCidr, router, sinks.proxyWait()))
                .orElse(true);
        List<DatapathSink.EndpointState> eps = new ArrayList<>();
        desired.policies().forEach((e, p) -> {
            if (ifindexById.containsKey(e.id())) {
                var want = new DatapathSink.EndpointState(ifindexById.get(e.id()), e.id(), e.identity(), e.address(), p);
                var had = written.get(e.id());
                // Until Envoy runs the new configuration, an endpoint keeps the policy it has: a new
                // L7 rule never sends connections to a listener that is not there yet. New endpoints
                // get theirs at once (a missing listener drops: fail closed).
                eps.add(!settled && had != null && had.ifindex() == want.ifindex() ? had : want);
            }
        });
        written.clear();
        eps.forEach(e -> written.put(e.endpointId(), e));
        sinks.datapath().endpoints(eps, sinks.proxy().map(ProxyControl::ports).orElse(DatapathSink.ProxyPorts.NONE));
        sinks.datapath().services(desired.frontends());
        sinks.datapath().l7Frontends(sinks.proxy().map(p -> p.l7Frontends(desired.frontends())).orElse(List.of()));
        Map<String, Integer> names = new HashMap<>();
        in.services().forEach((s, vip) -> names.put(ClusterZone.serviceName(s.ref().name(), s.ref().namespace()), vip));
        sinks.dns().accept(new ClusterZone(names));
        NodeMetrics.reconciled(System.nanoTime() - t0, ifindexById.size(), unenforced.size());
        return new Result(desired, new Directory(endpoints, desired.frontends(), router), unenforced, ifindexById, !settled,
                listenerProblems(in.rules()));
    }

    /** Per policy, the listeners its rules name that take no connections, and why (COMPAT.md section 8). */
    private Map<String, String> listenerProblems(List<PolicyRule> rules) {
        Map<String, java.util.Set<String>> out = new java.util.TreeMap<>();
        for (PolicyRule r : rules) {
            for (String l : r.listeners()) {
                String why = sinks.proxy().map(p -> p.listenerProblem(l)).orElse("Envoy is not running on this node");
                if (!why.isEmpty()) {
                    out.computeIfAbsent(r.source(), k -> new java.util.TreeSet<>())
                            .add("listener " + l + ": " + why + "; its connections are dropped");
                }
            }
        }
        Map<String, String> joined = new HashMap<>();
        out.forEach((source, problems) -> joined.put(source, String.join("; ", problems)));
        return joined;
    }
}
