package io.sluice.agent.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.sluice.agent.node.NodeView.Problem;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The informers of the agent's inputs: Pods of this node ({@code spec.nodeName}), Namespaces,
 * Services, EndpointSlices, CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, CiliumEnvoyConfig,
 * CiliumClusterwideEnvoyConfig and CiliumIdentity. Each change
 * calls {@code onChange}. While the API server is away the informers keep their last state (so
 * enforcement stays as it was) and retry; that is reported in {@link #problems()}.
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
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<io.fabric8.kubernetes.api.model.Namespace> namespaces;
    private final SharedIndexInformer<io.fabric8.kubernetes.api.model.Service> services;
    private final SharedIndexInformer<io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice> slices;
    private final SharedIndexInformer<GenericKubernetesResource> cnps;
    private final SharedIndexInformer<GenericKubernetesResource> ccnps;
    private final SharedIndexInformer<GenericKubernetesResource> identities;
    private final SharedIndexInformer<GenericKubernetesResource> cecs;
    private final SharedIndexInformer<GenericKubernetesResource> ccecs;
    static final Duration PROBE_EVERY = Duration.ofSeconds(2), PROBE_GRACE = Duration.ofSeconds(5);
    private volatile Instant lastContact = Instant.now();
    private volatile String lastError;
    private Thread prober;

    public ClusterWatch(KubernetesClient client, String nodeName, Runnable onChange) {
        this.client = client;
        this.nodeName = nodeName;
        this.onChange = onChange;
        this.pods = watch("Pods", client.pods().inAnyNamespace().withField("spec.nodeName", nodeName).runnableInformer(0));
        this.namespaces = watch("Namespaces", client.namespaces().runnableInformer(0));
        this.services = watch("Services", client.services().inAnyNamespace().runnableInformer(0));
        this.slices = watch("EndpointSlices", client.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(0));
        this.cnps = watch("CiliumNetworkPolicies", client.genericKubernetesResources(CNP).inAnyNamespace().runnableInformer(0));
        this.ccnps = watch("CiliumClusterwideNetworkPolicies", client.genericKubernetesResources(CCNP).runnableInformer(0));
        this.identities = watch("CiliumIdentities", client.genericKubernetesResources(IDENTITY).runnableInformer(0));
        this.cecs = watch("CiliumEnvoyConfigs", client.genericKubernetesResources(CEC).inAnyNamespace().runnableInformer(0));
        this.ccecs = watch("CiliumClusterwideEnvoyConfigs", client.genericKubernetesResources(CCEC).runnableInformer(0));
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
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (SharedIndexInformer<?> i : informers()) {
            all.add(i.start().toCompletableFuture());
        }
        prober = Thread.ofVirtual().name("api-server-probe").start(this::probe);
        try {
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeoutException("interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("cannot list the cluster's objects: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private List<SharedIndexInformer<?>> informers() {
        return List.of(pods, namespaces, services, slices, cnps, ccnps, identities, cecs, ccecs);
    }

    /** The informers' stores as they are now. */
    public ClusterObjects snapshot() {
        List<GenericKubernetesResource> policies = new ArrayList<>(cnps.getStore().list());
        policies.addAll(ccnps.getStore().list());
        List<GenericKubernetesResource> envoyConfigs = new ArrayList<>(cecs.getStore().list());
        envoyConfigs.addAll(ccecs.getStore().list());
        return new ClusterObjects(pods.getStore().list(), namespaces.getStore().list(), services.getStore().list(),
                slices.getStore().list(), policies, identities.getStore().list(), envoyConfigs);
    }

    /** A pod by name from the API server, bypassing the informer (the CNI plugin's ADD can come before its watch event). */
    public Pod fetchPod(String namespace, String name) {
        return client.pods().inNamespace(namespace).withName(name).get();
    }

    /** The pod in the informer's store, or null. */
    public Pod cachedPod(String namespace, String name) {
        return pods.getStore().getByKey(namespace + "/" + name);
    }

    /**
     * The API server when it has not answered for a while: the informers retry on their own and
     * keep their last state (so does enforcement), and this says so in {@code sluice status}.
     */
    public List<Problem> problems() {
        String error = lastError;
        Instant contact = lastContact;
        if (error == null || Duration.between(contact, Instant.now()).compareTo(PROBE_GRACE) < 0) {
            return List.of();
        }
        return List.of(new Problem("Kubernetes", "API server " + server() + " unreachable since " + contact + " (" + error
                + "); the last known state stays in force"));
    }

    /** Asks the API server for its version every few seconds, so an outage is seen even while nothing changes. */
    private void probe() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                client.getKubernetesVersion();
                if (lastError != null) {
                    LOG.infof("API server %s answers again", server());
                }
                lastContact = Instant.now();
                lastError = null;
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
        informers().forEach(SharedIndexInformer::close);
    }
}
