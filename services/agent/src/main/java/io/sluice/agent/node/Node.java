package io.sluice.agent.node;

import io.sluice.agent.bpf.DatapathSync;
import io.sluice.agent.config.NodeConfig;
import io.sluice.agent.dns.ClusterZone;
import io.sluice.agent.endpoint.Endpoint;
import io.sluice.agent.endpoint.NamedPorts;
import io.sluice.agent.hubble.Directory;
import io.sluice.manifest.Invalid;
import io.sluice.manifest.Manifests;
import io.sluice.manifest.L7LoadBalancing;
import io.sluice.manifest.Resource;
import io.sluice.agent.netns.PodNetwork;
import io.sluice.policy.Cidr;
import io.sluice.policy.Identity;
import io.sluice.policy.Labels;
import io.sluice.policy.PolicyRule;
import io.sluice.agent.proc.DetachedProcess;
import io.sluice.agent.store.NodeStore;
import io.sluice.agent.store.PodRecord;
import io.sluice.agent.store.StoredState;
import io.sluice.agent.xds.XdsClient;
import io.sluice.api.node.ApplyResult;
import io.sluice.api.node.PodSpec;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The standalone node: its store (the source of its inputs) and its pod runtime (network
 * namespaces and processes). Every operation validates first, then changes the stored state,
 * then hands the inputs to the {@link Reconciler}; invalid input changes nothing. Thread-safe:
 * operations are serialised.
 */
public final class Node implements NodeView {
    private static final Logger LOG = Logger.getLogger(Node.class);
    private volatile Directory directory = Directory.EMPTY;
    /** Per policy (its rules' source), what of it does not work as written ({@link Reconciler.Result#policyProblems}). */
    private Map<String, String> policyProblems = Map.of();
    private final NodeConfig config;
    private final NodeStore store;
    private final DatapathSync datapath;
    private final Cidr podCidr;
    private final Cidr serviceCidr;
    private final int router;
    private StoredState state;
    private final Map<String, Resource> objects = new TreeMap<>();
    private Map<String, Resource.EnvoyConfig> generated = Map.of();
    /** Read without the lock by identityOf (access logs, at Envoy's request rate). */
    private volatile DesiredState desired;
    private final Optional<ProxyControl> proxy;
    private final Reconciler reconciler;
    private List<String> unenforced = List.of();

    /** xds is empty when the node runs without Envoy; L7 policies are then refused. */
    public Node(NodeConfig config, NodeStore store, DatapathSync datapath, Consumer<ClusterZone> dns, Optional<XdsClient> xds) {
        this.config = config;
        this.store = store;
        this.datapath = datapath;
        this.podCidr = Cidr.parse(config.podCidr()).orElseThrow(() -> new IllegalArgumentException("sluice.pod-cidr"));
        this.serviceCidr = Cidr.parse(config.serviceCidr()).orElseThrow(() -> new IllegalArgumentException("sluice.service-cidr"));
        this.router = podCidr.host(1);
        this.state = store.load();
        state.objects().forEach((key, json) -> {
            Manifests.Parsed p = Manifests.parse(json);
            p.resources().forEach(r -> objects.put(key, r));
            p.invalid().forEach(i -> LOG.errorf("stored object %s no longer valid, ignored: %s", key, i.message()));
        });
        this.proxy = xds.map(client -> new ProxyControl(client, state.proxyPorts()));
        this.reconciler = new Reconciler(new Reconciler.Sinks(datapath, proxy, dns), podCidr);
        this.proxy.ifPresent(p -> p.onRetryDue(() -> {
            try {
                reconcile();
            } catch (RuntimeException e) {
                LOG.error("trying the rejected Envoy configs again failed; the datapath keeps its last state", e);
            }
        }));
    }

    @Override
    public String describe() {
        return "standalone node";
    }

    @Override
    public synchronized int endpoints() {
        return state.pods().size();
    }

    @Override
    public synchronized int policies() {
        return (int) objects.values().stream().filter(r -> r instanceof Resource.NetworkPolicy).count();
    }

    @Override
    public synchronized int services() {
        return (int) objects.values().stream().filter(r -> r instanceof Resource.Service).count();
    }

    @Override
    public Optional<XdsClient> xds() {
        return proxy.map(ProxyControl::client);
    }

    @Override
    public int router() { return router; }
    @Override
    public Cidr podCidr() { return podCidr; }
    @Override
    public Cidr serviceCidr() { return serviceCidr; }

    /** Brings every stored pod's network back (if a reboot removed it) and reconciles; then attaches programs. */
    public synchronized void restore() {
        for (PodRecord p : state.pods().values()) {
            PodNetwork net = network(p);
            if (!net.exists()) {
                LOG.warnf("pod %s: network missing, recreating", p.key());
                net.create(p.namespace());
            }
        }
        reconcile();
        state.pods().values().forEach(p -> datapath.attach(network(p).ifindex()));
    }

    public synchronized PodRecord runPod(PodSpec spec) {
        List<String> errors = new ArrayList<>(Validation.pod(spec));
        NamedPorts.Parsed ports = NamedPorts.parse(spec.ports());
        errors.addAll(ports.errors());
        if (!errors.isEmpty()) {
            throw NodeException.badRequest(String.join("\n", errors));
        }
        String key = spec.namespace() + "/" + spec.name();
        if (state.pods().containsKey(key)) {
            throw NodeException.conflict("pod " + key + " already exists");
        }
        int ip = Allocations.freeAddress(podCidr, state.pods().values().stream().map(p -> Cidr.parse(p.ip()).orElseThrow().address()).toList(), "pod address in " + podCidr);
        int epId = Allocations.lowestFree(state.pods().values().stream().map(PodRecord::endpointId).toList(), 1, 65535, "endpoint id");
        int identity = identityFor(Labels.ofPod(spec.namespace(), spec.labels()));
        String netns = config.namePrefix() + "-" + spec.namespace() + "-" + spec.name();
        PodRecord rec = new PodRecord(spec.name(), spec.namespace(), spec.labels(), spec.ports(), spec.command(),
                Cidr.format(ip), epId, identity, netns, PodNetwork.hostInterface(netns), 0, 0);
        PodNetwork net = network(rec);
        int ifindex;
        try {
            ifindex = net.create(spec.namespace());
        } catch (RuntimeException e) {
            net.delete();
            throw e;
        }
        state.pods().put(key, rec);
        save();
        reconcile();
        datapath.attach(ifindex);
        // The process starts only once its endpoint is enforced: the pod never runs unguarded.
        DetachedProcess proc = DetachedProcess.start(net, spec.name(), spec.command(), logOf(rec));
        rec = rec.withProcess(proc.pid(), proc.startTicks());
        state.pods().put(key, rec);
        save();
        return rec;
    }

    public synchronized void deletePod(String namespace, String name) {
        PodRecord rec = state.pods().get(namespace + "/" + name);
        if (rec == null) {
            throw NodeException.notFound("pod " + namespace + "/" + name + " not found");
        }
        new DetachedProcess(rec.pid(), rec.startTicks()).stop(Duration.ofSeconds(3));
        state.pods().remove(rec.key());
        save();
        reconcile();
        network(rec).delete();
    }

    /** Validates every document first; applies all of them or, on any invalid one, none. */
    public synchronized ApplyResult apply(String text) {
        Manifests.Parsed parsed = Manifests.parse(text);
        List<String> errors = new ArrayList<>(parsed.invalid().stream().map(Invalid::message).toList());
        Map<String, String> vips = new HashMap<>(state.serviceIps());
        for (Resource r : parsed.resources()) {
            if (r instanceof Resource.Service s) {
                ServiceAddresses.assign(s, key(s), vips, serviceCidr).ifPresent(errors::add);
            }
        }
        if (parsed.resources().isEmpty() && errors.isEmpty()) {
            errors.add("no objects in input");
        }
        if (proxy.isEmpty()) {
            parsed.resources().stream().filter(r -> r instanceof Resource.EnvoyConfig).forEach(r -> errors.add(r.ref()
                    + ": Envoy configs need Envoy, which is not installed on this node (run 'make deps', then 'sluice down' and 'sluice up')"));
            parsed.resources().stream().filter(r -> r instanceof Resource.NetworkPolicy p && p.hasL7()).forEach(r -> errors.add(r.ref()
                    + ": L7 rules need Envoy, which is not installed on this node (run 'make deps', then 'sluice down' and 'sluice up')"));
        }
        if (!errors.isEmpty()) {
            return new ApplyResult(List.of(), errors);
        }
        List<String> changed = new ArrayList<>();
        for (Resource r : parsed.resources()) {
            String key = key(r);
            String old = state.objects().get(key);
            changed.add(display(r) + (old == null ? " created" : old.equals(r.source()) ? " unchanged" : " configured"));
            state.objects().put(key, r.source());
            objects.put(key, r);
        }
        state.serviceIps().clear();
        state.serviceIps().putAll(vips);
        save();
        reconcile();
        return new ApplyResult(changed, List.of());
    }

    public synchronized ApplyResult delete(String text) {
        Manifests.Parsed parsed = Manifests.parse(text);
        List<String> errors = new ArrayList<>(parsed.invalid().stream().map(Invalid::message).toList());
        if (!errors.isEmpty()) {
            return new ApplyResult(List.of(), errors);
        }
        List<String> changed = new ArrayList<>();
        for (Resource r : parsed.resources()) {
            String key = key(r);
            if (objects.remove(key) == null) {
                errors.add(r.ref() + ": not found");
                continue;
            }
            state.objects().remove(key);
            state.serviceIps().remove(key);
            changed.add(display(r) + " deleted");
        }
        save();
        reconcile();
        return new ApplyResult(changed, errors);
    }

    /** The standalone store's view of the node, through the one reconciler. */
    public synchronized void reconcile() {
        List<PolicyRule> rules = objects.values().stream()
                .flatMap(r -> r instanceof Resource.NetworkPolicy p ? p.rules().stream() : java.util.stream.Stream.empty())
                .toList();
        Map<Cidr, Integer> cidrIds = Allocations.cidrIdentities(rules, state.cidrIdentities());
        Map<Resource.Service, Integer> services = new LinkedHashMap<>();
        objects.forEach((key, r) -> {
            if (r instanceof Resource.Service s && state.serviceIps().containsKey(key)) {
                services.put(s, Cidr.parse(state.serviceIps().get(key)).orElseThrow().address());
            }
        });
        List<NodeInputs.LocalEndpoint> endpoints = state.pods().values().stream().map(this::local).toList();
        List<Resource.EnvoyConfig> envoyConfigs = new ArrayList<>(objects.values().stream()
                .flatMap(r -> r instanceof Resource.EnvoyConfig c ? java.util.stream.Stream.of(c) : java.util.stream.Stream.empty())
                .toList());
        generated = lbConfigs(services.keySet());
        envoyConfigs.addAll(generated.values());
        Reconciler.Result result = reconciler.reconcile(new NodeInputs(endpoints, rules, cidrIds, services, Optional.empty(),
                envoyConfigs));
        desired = result.desired();
        directory = result.directory();
        if (!result.policyProblems().equals(policyProblems)) {
            result.policyProblems().forEach((source, why) -> LOG.errorf("%s: %s", source, why));
            policyProblems = result.policyProblems();
        }
        if (!result.unenforced().equals(unenforced)) {
            result.unenforced().forEach(LOG::error);
            unenforced = result.unenforced();
        }
        save();
    }

    /**
     * The CiliumEnvoyConfig of each Service annotated {@code service.cilium.io/lb-l7: enabled}, as
     * the operator writes it in a cluster ({@link L7LoadBalancing}; round_robin unless the Service's
     * {@code lb-l7-algorithm} says otherwise), by key. None without Envoy.
     */
    private Map<String, Resource.EnvoyConfig> lbConfigs(java.util.Collection<Resource.Service> services) {
        Map<String, Resource.EnvoyConfig> out = new TreeMap<>();
        if (proxy.isEmpty()) {
            return out;
        }
        for (Resource.Service s : services) {
            if (L7LoadBalancing.wanted(s.annotations())) {
                Manifests.Parsed p = Manifests.parseStored(L7LoadBalancing.object(s.ref().namespace(), s.ref().name(),
                        L7LoadBalancing.lbPolicy(s.annotations(), "ROUND_ROBIN")));
                p.resources().forEach(r -> out.put(key(r), (Resource.EnvoyConfig) r));
                p.invalid().forEach(i -> LOG.errorf("L7 load balancing of %s: %s", s.ref(), i.message()));
            }
        }
        return out;
    }

    /** The Envoy configs the node derives from annotated Services (lb-l7), by key. */
    public synchronized Map<String, Resource.EnvoyConfig> generatedEnvoyConfigs() {
        return Map.copyOf(generated);
    }

    @Override
    public synchronized List<Problem> problems() {
        List<Problem> out = new ArrayList<>(unenforced.stream().map(u -> new Problem("Endpoint", u)).toList());
        new TreeMap<>(policyProblems).forEach((source, why) -> out.add(new Problem("Policy", source + ": " + why)));
        return out;
    }

    /** A pod as the reconciler takes it: with its veth's host end, or why that is missing. */
    private NodeInputs.LocalEndpoint local(PodRecord p) {
        try {
            return NodeInputs.LocalEndpoint.attached(endpoint(p), network(p).ifindex());
        } catch (java.io.UncheckedIOException | NumberFormatException e) {
            return NodeInputs.LocalEndpoint.missing(endpoint(p), "its veth " + p.hostIf() + " is missing on the host"
                    + " (delete and run the pod again)");
        }
    }

    @Override
    public Directory directory() {
        return directory;
    }

    @Override
    public int identityOf(String address) {
        return DesiredState.identityOf(desired, address);
    }

    @Override
    public Map<String, ProxyControl.ConfigState> envoyConfigStates() {
        return proxy.map(ProxyControl::envoyConfigs).orElse(Map.of());
    }

    public synchronized StoredState state() {
        return state;
    }

    public synchronized Map<String, Resource> objects() {
        return Map.copyOf(objects);
    }

    /** What of each policy (by {@code ObjectRef.toString()}) does not work as written; absent when all of it does. */
    public synchronized Map<String, String> policyProblems() {
        return policyProblems;
    }

    @Override
    public synchronized DesiredState desired() {
        return desired;
    }

    public PodNetwork network(PodRecord p) {
        return new PodNetwork(p.netns(), p.hostIf(), Cidr.parse(p.ip()).orElseThrow().address(), router);
    }

    public Path logOf(PodRecord p) {
        return Path.of(config.stateDir(), "pods", p.namespace() + "_" + p.name() + ".log");
    }

    private Endpoint endpoint(PodRecord p) {
        return new Endpoint(p.namespace(), p.name(), p.endpointId(), p.identity(), Labels.ofPod(p.namespace(), p.labels()),
                Cidr.parse(p.ip()).orElseThrow().address(), NamedPorts.parse(p.ports()).ports(), true);
    }

    private int identityFor(Labels labels) {
        return state.identities().computeIfAbsent(labels.toString(), k -> Allocations.lowestFree(
                state.identities().values(), Identity.FIRST_ALLOCATED, Identity.FIRST_LOCAL, "identity"));
    }

    /** An object's key in the store and in the proxy's view of Envoy configs: kind/namespace/name. */
    public static String key(Resource r) {
        return r.ref().kind() + "/" + r.ref().namespace() + "/" + r.ref().name();
    }

    private static String display(Resource r) {
        return r.ref().kind().toLowerCase(java.util.Locale.ROOT) + "/" + r.ref().name();
    }

    private void save() {
        store.save(state);
    }
}
