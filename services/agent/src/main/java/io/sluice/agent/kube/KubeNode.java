package io.sluice.agent.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.sluice.kube.Core;
import io.sluice.kube.ViewStore;
import io.sluice.agent.bpf.DatapathSync;
import io.sluice.agent.dns.ClusterZone;
import io.sluice.agent.hubble.Directory;
import io.sluice.agent.netns.HostNetwork;
import io.sluice.agent.node.Allocations;
import io.sluice.agent.node.DesiredState;
import io.sluice.agent.node.NodeException;
import io.sluice.agent.node.NodeInputs;
import io.sluice.agent.node.NodeView;
import io.sluice.agent.node.ProxyControl;
import io.sluice.agent.node.Reconciler;
import io.sluice.policy.Cidr;
import io.sluice.agent.store.NodeStore;
import io.sluice.agent.store.StoredState;
import io.sluice.agent.xds.XdsClient;
import org.jboss.logging.Logger;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A node of a Kubernetes cluster: its inputs from the API server ({@link ClusterWatch}), its pods
 * made by the kubelet and the cluster's CNI, and attached by the chained plugin {@code sluice-cni}
 * ({@link #add}) or found by route. One thread reconciles: watch events are coalesced into one
 * reconcile, and a CNI ADD answers only once its pod is enforced, so no container of the pod
 * starts unguarded.
 */
public final class KubeNode implements NodeView {
    private static final Logger LOG = Logger.getLogger(KubeNode.class);
    private final ClusterWatch watch;
    private final NodeStatusWriter status;
    private final Optional<ProxyControl> proxy;
    private final Reconciler reconciler;
    private final DatapathSync datapath;
    private final NodeStore store;
    private final StoredState state;
    private final Optional<XdsClient> xds;
    private final Cidr podCidr;
    private final Cidr serviceCidr;
    private final ExecutorService loop = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name("reconcile").daemon().unstarted(r));
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("reconcile-timer").daemon().unstarted(r));
    private final AtomicBoolean pending = new AtomicBoolean();
    /** Completes with the result of the next reconcile to start: what a CNI ADD waits for (one reconcile serves a burst). */
    private CompletableFuture<Reconciler.Result> next = new CompletableFuture<>();
    private final Object nextLock = new Object();
    private final Map<String, Attachment> attachments = new ConcurrentHashMap<>();
    /** Pods fetched for a CNI ADD before their watch event; dropped once the informer has them. */
    private final Map<String, Core.Pod> early = new ConcurrentHashMap<>();
    private final Set<Integer> attached = new HashSet<>();
    private volatile boolean started;
    private volatile Reconciler.Result last;
    private volatile List<Problem> problems = List.of();
    private String lastSummary = "";
    /** When the first change that the next reconcile takes was seen. */
    private volatile long changedAt;

    public KubeNode(ClusterWatch.Factory watch, DatapathSync datapath, Consumer<ClusterZone> dns, Optional<XdsClient> xds,
                    NodeStore store, Cidr podCidr, Cidr serviceCidr) {
        this.watch = watch.create(this::changed);
        this.status = this.watch.statusWriter();
        this.datapath = datapath;
        this.store = store;
        this.state = store.load();
        this.proxy = xds.map(c -> new ProxyControl(c, state.proxyPorts()));
        // No reconcile waits for Envoy: one that finds it has not taken the configuration yet is
        // followed by another when Envoy answers, or when the wait's limit has passed.
        this.reconciler = new Reconciler(new Reconciler.Sinks(datapath, this.proxy, dns, Duration.ZERO), podCidr);
        this.proxy.ifPresent(p -> p.onRetryDue(this::changed));
        this.proxy.ifPresent(p -> p.onEnvoyChange(() -> {
            Reconciler.Result r = last;
            if (r != null && r.proxyPending()) {
                changed();
            }
        }));
        this.podCidr = podCidr;
        this.serviceCidr = serviceCidr;
        this.xds = xds;
    }

    /** Lists the cluster once and reconciles; from then on every change reconciles. */
    public void start(Duration timeout) {
        try {
            watch.start(timeout);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the API server " + watch.server() + " did not list the cluster's objects within "
                    + timeout.toSeconds() + "s");
        }
        started = true;
        nextReconcile();
        LOG.infof("Kubernetes node %s: %d endpoints from %s", watch.nodeName(), endpoints(), watch.server());
    }

    private void changed() {
        if (started && pending.compareAndSet(false, true)) {
            changedAt = System.nanoTime();
            loop.execute(() -> {
                pending.set(false);
                try {
                    reconcileNow();
                } catch (RuntimeException e) {
                    // logged in reconcileNow; the next change tries again
                }
            });
        }
    }

    /** Only on the loop's thread. */
    private Reconciler.Result reconcileNow() {
        CompletableFuture<Reconciler.Result> done;
        synchronized (nextLock) {
            done = next;
            next = new CompletableFuture<>();
        }
        try {
            Reconciler.Result r = reconcileInputs();
            done.complete(r);
            return r;
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
            LOG.error("reconcile failed; the datapath keeps its last state", e);
            throw e;
        }
    }

    private Reconciler.Result reconcileInputs() {
        long t0 = System.nanoTime();
        long since = changedAt == 0 ? t0 : Math.min(changedAt, t0);
        changedAt = 0;
        ClusterObjects objects = watch.snapshot();
        Set<String> known = new HashSet<>();
        objects.pods().forEach(p -> known.add(p.key()));
        early.keySet().removeIf(known::contains);
        if (!early.isEmpty()) {
            List<Core.Pod> pods = new ArrayList<>(objects.pods());
            pods.addAll(early.values());
            objects = new ClusterObjects(pods, objects.namespaces(), objects.services(), objects.slices(), objects.policies(),
                    objects.identities(), objects.envoyConfigs());
        }
        Map<String, Attachment> byPod = new HashMap<>();
        attachments.values().forEach(a -> byPod.put(a.podKey(), a));
        KubeInputs.Translation t = KubeInputs.translate(objects, byPod, PodRoutes.read(), KubeNode::ifindexOrZero, podCidr,
                state.identities(), xds.isPresent());
        NodeInputs in = t.inputs();
        in = new NodeInputs(in.endpoints(), in.rules(), Allocations.cidrIdentities(in.rules(), state.cidrIdentities()),
                in.services(), in.frontends(), in.envoyConfigs());
        Reconciler.Result r = reconciler.reconcile(in);
        for (int ifindex : r.ifindexById().values()) {
            if (attached.add(ifindex)) {
                datapath.attach(ifindex);
            }
        }
        attached.retainAll(r.ifindexById().values());
        List<Problem> now = new ArrayList<>(t.problems());
        r.unenforced().forEach(u -> now.add(new Problem("Endpoint", u)));
        new java.util.TreeMap<>(r.policyProblems()).forEach((source, why) -> now.add(new Problem("Policy", source + ": " + why)));
        if (!now.equals(problems)) {
            now.stream().filter(p -> !problems.contains(p)).forEach(p -> LOG.errorf("%s: %s", p.component(), p.message()));
        }
        problems = List.copyOf(now);
        last = r;
        status.report(t.verdicts().stream().map(v -> v.withProblem(r.policyProblems())).toList());
        proxy.ifPresent(p -> {
            Map<GenericKubernetesResource, ProxyControl.ConfigState> configs = new HashMap<>();
            p.envoyConfigs().forEach((key, state) -> {
                GenericKubernetesResource object = t.envoyConfigObjects().get(key);
                if (object != null) {
                    configs.put(object, state);
                }
            });
            status.reportEnvoyConfigs(configs);
        });
        if (r.proxyPending()) {
            timer.schedule(this::changed, ProxyControl.MAX_WAIT.toMillis() + 50, TimeUnit.MILLISECONDS);
        }
        store.save(state);
        String summary = r.ifindexById().size() + " endpoints enforced, " + in.rules().size() + " rules, "
                + in.services().size() + " services";
        long end = System.nanoTime(), ms = (end - t0) / 1_000_000;
        if (!summary.equals(lastSummary) || ms > 1000) {
            LOG.infof("reconciled in %d ms, %d ms after the change: %s", ms, (end - since) / 1_000_000, summary);
            lastSummary = summary;
        }
        return r;
    }

    @Override
    public Map<String, ProxyControl.ConfigState> envoyConfigStates() {
        return proxy.map(ProxyControl::envoyConfigs).orElse(Map.of());
    }

    /**
     * The CNI plugin's ADD: the pod's sandbox has its network; answers once the pod is enforced,
     * or fails with why (the kubelet then retries the sandbox, and no container has started).
     */
    public void add(Attachment a) {
        if (!started) {
            throw new NodeException(503, "the agent is still listing the cluster's objects; retry");
        }
        if (!podCidr.contains(a.address())) {
            throw NodeException.badRequest("pod " + a.podKey() + ": address " + Cidr.format(a.address())
                    + " is outside this node's pod CIDR " + podCidr);
        }
        if (watch.cachedPod(a.namespace(), a.name()) == null) {
            Core.Pod pod;
            try {
                pod = watch.fetchPod(a.namespace(), a.name());
            } catch (IllegalArgumentException e) {
                throw NodeException.badRequest("pod " + a.podKey() + ": cannot be read (" + ViewStore.why(e) + ")");
            }
            if (pod == null) {
                throw NodeException.notFound("pod " + a.podKey() + " not found in the API server");
            }
            early.put(a.podKey(), pod);
        }
        long t0 = System.nanoTime();
        attachments.put(a.containerId(), a);
        // The pod's own policy, with Envoy's part of it taken: the first reconcile that has both.
        Reconciler.Result r;
        do {
            r = nextReconcile();
        } while (r.proxyPending());
        int id = a.address() - podCidr.address();
        if (!r.enforced(id)) {
            String why = problems.stream().filter(p -> p.message().contains(a.podKey())).map(Problem::message).findFirst()
                    .orElse("pod " + a.podKey() + " is not an endpoint of this node");
            throw new NodeException(500, why);
        }
        LOG.infof("pod %s enforced %d ms after its CNI ADD", a.podKey(), (System.nanoTime() - t0) / 1_000_000);
    }

    /** The result of a reconcile that starts after this call. */
    private Reconciler.Result nextReconcile() {
        CompletableFuture<Reconciler.Result> reconciled;
        synchronized (nextLock) {
            reconciled = next;
        }
        changed();
        try {
            return reconciled.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeException(503, "interrupted");
        } catch (ExecutionException | TimeoutException e) {
            throw new NodeException(500, "reconcile failed: " + e);
        }
    }

    /** The CNI plugin's DEL: the sandbox's network goes away. Idempotent. */
    public void delete(String containerId) {
        if (attachments.remove(containerId) != null) {
            changed();
        }
    }

    private static int ifindexOrZero(String device) {
        try {
            return HostNetwork.ifindex(device);
        } catch (UncheckedIOException | NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public String describe() {
        return "Kubernetes node " + watch.nodeName() + " (API server " + watch.server() + ")";
    }

    @Override
    public Directory directory() {
        Reconciler.Result r = last;
        return r == null ? Directory.EMPTY : r.directory();
    }

    @Override
    public int identityOf(String address) {
        return DesiredState.identityOf(desired(), address);
    }

    @Override
    public DesiredState desired() {
        Reconciler.Result r = last;
        return r == null ? null : r.desired();
    }

    @Override
    public List<Problem> problems() {
        List<Problem> all = new ArrayList<>(problems);
        all.addAll(watch.problems());
        return all;
    }

    @Override
    public int endpoints() {
        DesiredState d = desired();
        return d == null ? 0 : d.policies().size();
    }

    @Override
    public int policies() {
        return watch.snapshot().policies().size();
    }

    @Override
    public int services() {
        return (int) watch.snapshot().services().stream().filter(s -> KubeInputs.service(s).isPresent()).count();
    }

    @Override
    public Optional<XdsClient> xds() {
        return xds;
    }

    @Override
    public int router() {
        return podCidr.host(1);
    }

    @Override
    public Cidr podCidr() {
        return podCidr;
    }

    @Override
    public Cidr serviceCidr() {
        return serviceCidr;
    }

    public void close() {
        status.close();
        watch.close();
        timer.shutdownNow();
        loop.shutdownNow();
    }
}
