package io.sluice.agent.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.sluice.kube.Core;
import io.sluice.kube.LeanItemStore;
import io.sluice.kube.ViewStore;
import io.sluice.agent.node.NodeView.Problem;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The informers of the agent's inputs: Pods of this node ({@code spec.nodeName}), Namespaces,
 * Services, EndpointSlices, CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, CiliumEnvoyConfig,
 * CiliumClusterwideEnvoyConfig and CiliumIdentity, all as generic resources (the core kinds kept as
 * their {@link Core} views, see {@link ViewStore}). Each change calls {@code onChange}. While the
 * API server is away the informers keep their last state (so enforcement stays as it was) and retry; that is reported in {@link #problems()}. When it answers
 * again, every kind is listed anew (new informers, swapped in once they have listed), and once
 * more when it has settled: informers left to their own reconnects were seen to miss changes for
 * tens of seconds after a restart. An informer that stops watching while the API server answers
 * gets the same, at most once a minute.
 */
public final class ClusterWatch implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ClusterWatch.class);
    static final ResourceDefinitionContext CNP = new ResourceDefinitionContext.Builder().withGroup("cilium.io").withVersion("v2")
            .withKind("CiliumNetworkPolicy").withPlural("ciliumnetworkpolicies").withNamespaced(true).build();
    static final ResourceDefinitionContext CCNP = new ResourceDefinitionContext.Builder().withGroup("cilium.io").withVersion("v2")
            .withKind("CiliumClusterwideNetworkPolicy").withPlural("ciliumclusterwidenetworkpolicies").withNamespaced(false).build();
    static final ResourceDefinitionContext CEC = new ResourceDefinitionContext.Builder().withGroup("cilium.io").withVersion("v2")
            .withKind("CiliumEnvoyConfig").withPlural("ciliumenvoyconfigs").withNamespaced(true).build();
    static final ResourceDefinitionContext CCEC = new ResourceDefinitionContext.Builder().withGroup("cilium.io").withVersion("v2")
            .withKind("CiliumClusterwideEnvoyConfig").withPlural("ciliumclusterwideenvoyconfigs").withNamespaced(false).build();
    static final ResourceDefinitionContext IDENTITY = new ResourceDefinitionContext.Builder().withGroup("cilium.io").withVersion("v2")
            .withKind("CiliumIdentity").withPlural("ciliumidentities").withNamespaced(false).build();

    /** The definition of one of the Cilium kinds the agent reads, by kind. */
    static ResourceDefinitionContext definition(String kind) {
        return java.util.stream.Stream.of(CNP, CCNP, CEC, CCEC, IDENTITY).filter(d -> d.getKind().equals(kind)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("not a kind the agent reads: " + kind));
    }

    /** Makes the watch of a node that reconciles on each change. */
    @FunctionalInterface
    public interface Factory {
        ClusterWatch create(Runnable onChange);
    }

    private final KubernetesClient client;
    private final String nodeName;
    private final Runnable onChange;
    private volatile Informers informers;
    private static final Duration RELIST_TIMEOUT = Duration.ofSeconds(60);
    static final Duration PROBE_EVERY = Duration.ofSeconds(2), PROBE_GRACE = Duration.ofSeconds(5);
    private volatile Instant lastContact = Instant.now();
    private volatile String lastError;
    /**
     * After the API server answers again, everything is listed anew at once and once more a little
     * later: the API server's own caches and its handlers of custom resources settle after it
     * starts, and a change made a minute after a restart was seen missed by the watches opened at
     * once (prober thread only, as notWatchingSince).
     */
    private Instant relistAgainAt, notWatchingSince, lastIdleRelist;
    static final Duration SETTLE = Duration.ofSeconds(10), IDLE_RELIST_EVERY = Duration.ofMinutes(1);
    private Thread prober;

    public ClusterWatch(KubernetesClient client, String nodeName, Runnable onChange) {
        this.client = client;
        this.nodeName = nodeName;
        this.onChange = onChange;
        this.informers = newInformers();
    }

    /** An informer of a core kind and the views its cache keeps. */
    private record Viewed<V>(SharedIndexInformer<GenericKubernetesResource> informer, ViewStore<V> store) {}

    /** One informer per kind the agent reads. */
    private record Informers(Viewed<Core.Pod> pods, Viewed<Core.Namespace> namespaces, Viewed<Core.Service> services,
                             Viewed<Core.EndpointSlice> slices,
                             SharedIndexInformer<GenericKubernetesResource> cnps, SharedIndexInformer<GenericKubernetesResource> ccnps,
                             SharedIndexInformer<GenericKubernetesResource> identities,
                             SharedIndexInformer<GenericKubernetesResource> cecs, SharedIndexInformer<GenericKubernetesResource> ccecs) {
        List<SharedIndexInformer<?>> all() {
            return List.copyOf(byKind().values());
        }

        Map<String, SharedIndexInformer<?>> byKind() {
            Map<String, SharedIndexInformer<?>> m = new LinkedHashMap<>();
            m.put("Pods", pods.informer());
            m.put("Namespaces", namespaces.informer());
            m.put("Services", services.informer());
            m.put("EndpointSlices", slices.informer());
            m.put("CiliumNetworkPolicies", cnps);
            m.put("CiliumClusterwideNetworkPolicies", ccnps);
            m.put("CiliumIdentities", identities);
            m.put("CiliumEnvoyConfigs", cecs);
            m.put("CiliumClusterwideEnvoyConfigs", ccecs);
            return m;
        }

        /** Starts them all; completes once each listed its objects once. */
        CompletableFuture<Void> start() {
            return CompletableFuture.allOf(all().stream().map(i -> i.start().toCompletableFuture()).toArray(CompletableFuture[]::new));
        }
    }

    private Informers newInformers() {
        return new Informers(
                viewed("Pods", client.genericKubernetesResources(Core.PODS).inAnyNamespace().withField("spec.nodeName", nodeName)
                        .runnableInformer(0), Core.Pod.class),
                viewed("Namespaces", client.genericKubernetesResources(Core.NAMESPACES).runnableInformer(0), Core.Namespace.class),
                viewed("Services", client.genericKubernetesResources(Core.SERVICES).inAnyNamespace().runnableInformer(0), Core.Service.class),
                viewed("EndpointSlices", client.genericKubernetesResources(Core.ENDPOINT_SLICES).inAnyNamespace().runnableInformer(0),
                        Core.EndpointSlice.class),
                lean("CiliumNetworkPolicies", client.genericKubernetesResources(CNP).inAnyNamespace().runnableInformer(0)),
                lean("CiliumClusterwideNetworkPolicies", client.genericKubernetesResources(CCNP).runnableInformer(0)),
                lean("CiliumIdentities", client.genericKubernetesResources(IDENTITY).runnableInformer(0)),
                lean("CiliumEnvoyConfigs", client.genericKubernetesResources(CEC).inAnyNamespace().runnableInformer(0)),
                lean("CiliumClusterwideEnvoyConfigs", client.genericKubernetesResources(CCEC).runnableInformer(0)));
    }

    /**
     * Lists every kind anew with new informers and swaps them in once all have listed, then calls
     * onChange; the old ones go. If the new ones do not list within RELIST_TIMEOUT they go instead.
     */
    private void relist() {
        Informers fresh = newInformers();
        try {
            fresh.start().get(RELIST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            fresh.all().forEach(SharedIndexInformer::close);
            Thread.currentThread().interrupt();
            return;
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            fresh.all().forEach(SharedIndexInformer::close);
            LOG.warnf("listing the cluster's objects anew failed (%s); the informers go on retrying", e.toString());
            return;
        }
        Informers old = informers;
        informers = fresh;
        old.all().forEach(SharedIndexInformer::close);
        LOG.infof("the cluster's objects listed anew from %s", server());
        onChange.run();
    }

    private <V> Viewed<V> viewed(String what, SharedIndexInformer<GenericKubernetesResource> informer, Class<V> type) {
        ViewStore<V> views = new ViewStore<>(type);
        informer.itemStore(views);
        return new Viewed<>(watch(what, informer), views);
    }

    /** An informer of one of Cilium's kinds, whose cache keeps its objects without managedFields and kubectl's copy. */
    private SharedIndexInformer<GenericKubernetesResource> lean(String what, SharedIndexInformer<GenericKubernetesResource> informer) {
        informer.itemStore(new LeanItemStore<>());
        return watch(what, informer);
    }

    private <T extends HasMetadata> SharedIndexInformer<T> watch(String what, SharedIndexInformer<T> informer) {
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                onChange.run();
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                onChange.run();
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                onChange.run();
            }
        });
        informer.exceptionHandler((started, t) -> {
            String why = t.getMessage() == null ? t.toString() : t.getMessage().lines().findFirst().orElse("");
            LOG.warnf("watching %s: %s; retrying", what, why);
            return true;
        });
        return informer;
    }

    /**
     * Starts every informer and waits until each listed its objects once (up to timeout): the
     * first reconcile must see the whole cluster, or it would take enforcement away from pods.
     */
    public void start(Duration timeout) throws TimeoutException {
        CompletableFuture<Void> listed = informers.start();
        prober = Thread.ofVirtual().name("api-server-probe").start(this::probe);
        try {
            listed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeoutException("interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("cannot list the cluster's objects: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** The informers' stores as they are now. */
    ClusterObjects snapshot() {
        Informers in = informers;
        var cnps = in.cnps();
        var ccnps = in.ccnps();
        var identities = in.identities();
        var cecs = in.cecs();
        var ccecs = in.ccecs();
        List<GenericKubernetesResource> policies = new ArrayList<>(cnps.getStore().list());
        policies.addAll(ccnps.getStore().list());
        List<GenericKubernetesResource> envoyConfigs = new ArrayList<>(cecs.getStore().list());
        envoyConfigs.addAll(ccecs.getStore().list());
        return new ClusterObjects(in.pods().store().views(), in.namespaces().store().views(), in.services().store().views(),
                in.slices().store().views(), policies, identities.getStore().list(), envoyConfigs);
    }

    /**
     * A pod by name from the API server, bypassing the informer (the CNI plugin's ADD can come
     * before its watch event); null when there is none. IllegalArgumentException when it cannot
     * be read ({@link ViewStore#why} says why).
     */
    Core.Pod fetchPod(String namespace, String name) {
        GenericKubernetesResource pod = client.genericKubernetesResources(Core.PODS).inNamespace(namespace).withName(name).get();
        return pod == null ? null : ViewStore.view(pod, Core.Pod.class);
    }

    /** The pod in the informer's store, or null. */
    Core.Pod cachedPod(String namespace, String name) {
        return informers.pods().store().view(namespace + "/" + name);
    }

    /**
     * The API server when it has not answered for a while: the informers retry on their own and
     * keep their last state (so does enforcement), and this says so in {@code sluice status}; and
     * each object whose last version could not be read (its previous one stays in force).
     */
    public List<Problem> problems() {
        List<Problem> out = new ArrayList<>();
        Informers in = informers;
        for (Viewed<?> v : List.of(in.pods(), in.namespaces(), in.services(), in.slices())) {
            v.store().unreadable().forEach(p -> out.add(new Problem("Kubernetes", p)));
        }
        String error = lastError;
        Instant contact = lastContact;
        if (error != null && Duration.between(contact, Instant.now()).compareTo(PROBE_GRACE) >= 0) {
            out.add(new Problem("Kubernetes", "API server " + server() + " unreachable since " + contact + " (" + error
                    + "); the last known state stays in force"));
        }
        return out;
    }

    /**
     * Lists anew when an informer has not been watching for PROBE_GRACE while the API server
     * answers: its own reconnects back off for up to half a minute, and changes meanwhile would
     * wait for them.
     */
    private void relistIfNotWatching() {
        List<String> idle = informers.byKind().entrySet().stream().filter(e -> !e.getValue().isWatching())
                .map(Map.Entry::getKey).toList();
        if (idle.isEmpty()) {
            notWatchingSince = null;
            return;
        }
        if (notWatchingSince == null) {
            notWatchingSince = Instant.now();
        } else if (Duration.between(notWatchingSince, Instant.now()).compareTo(PROBE_GRACE) >= 0
                && (lastIdleRelist == null || Duration.between(lastIdleRelist, Instant.now()).compareTo(IDLE_RELIST_EVERY) >= 0)) {
            LOG.warnf("not watching %s for %d s while the API server answers; listing anew", idle,
                    Duration.between(notWatchingSince, Instant.now()).toSeconds());
            notWatchingSince = null;
            lastIdleRelist = Instant.now();
            relist();
        }
    }

    /** Asks the API server for its version every few seconds, so an outage is seen even while nothing changes. */
    private void probe() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                client.getKubernetesVersion();
                boolean back = lastError != null;
                lastContact = Instant.now();
                lastError = null;
                if (back) {
                    LOG.infof("API server %s answers again", server());
                    relist();
                    relistAgainAt = Instant.now().plus(SETTLE);
                } else if (relistAgainAt != null && Instant.now().isAfter(relistAgainAt)) {
                    relistAgainAt = null;
                    relist();
                } else {
                    relistIfNotWatching();
                }
            } catch (RuntimeException e) {
                Throwable root = e;
                while (root.getCause() != null) {
                    root = root.getCause();
                }
                String why = root.getMessage() == null ? root.toString() : root.getMessage().lines().findFirst().orElse("");
                if (lastError == null) {
                    LOG.errorf("API server %s does not answer (%s); the last known state stays in force", server(), why);
                }
                lastError = why;
            }
            try {
                Thread.sleep(PROBE_EVERY.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** What writes this node's entry into the status of the policies and Envoy configs. */
    NodeStatusWriter statusWriter() {
        return new NodeStatusWriter(client, nodeName);
    }

    public String server() {
        return client.getMasterUrl().toString();
    }

    public String nodeName() {
        return nodeName;
    }

    @Override
    public void close() {
        if (prober != null) {
            prober.interrupt();
        }
        informers.all().forEach(SharedIndexInformer::close);
    }
}
