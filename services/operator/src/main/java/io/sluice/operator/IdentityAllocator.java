package io.sluice.operator;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.sluice.kube.Core;
import io.sluice.kube.LeanItemStore;
import io.sluice.kube.ViewStore;
import io.sluice.operator.crd.CiliumIdentity;
import io.sluice.policy.Label;
import io.sluice.policy.Labels;
import io.sluice.policy.PodIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * CiliumIdentity objects for every security-relevant label set of the cluster's pods, allocated
 * by the leader only (started when it takes the lease). Each change of a pod or namespace
 * schedules one pass over all of them ({@link IdentityPlan}); an identity no pod has used for the
 * grace period ({@code sluice.operator.identity-gc-grace}, 15 min as Cilium's GC interval) is
 * deleted, and one whose label set comes back before that is kept. Pods and namespaces are read
 * as their {@link Core} views.
 */
@ApplicationScoped
public class IdentityAllocator {
    private static final Logger LOG = Logger.getLogger(IdentityAllocator.class);
    private final KubernetesClient client;
    private final Duration grace;
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("identity-allocator").unstarted(r));
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Map<String, Instant> unusedSince = new HashMap<>();
    private SharedIndexInformer<GenericKubernetesResource> pods, namespaces;
    private final ViewStore<Core.Pod> podViews = new ViewStore<>(Core.Pod.class);
    private final ViewStore<Core.Namespace> namespaceViews = new ViewStore<>(Core.Namespace.class);
    private SharedIndexInformer<CiliumIdentity> identities;

    IdentityAllocator(KubernetesClient client,
                      @ConfigProperty(name = "sluice.operator.identity-gc-grace", defaultValue = "15m") Duration grace) {
        this.client = client;
        this.grace = grace;
    }

    /** Starts watching and allocating; called once this replica leads. */
    public synchronized void start() {
        if (pods != null) {
            return;
        }
        pods = watch("Pods", client.genericKubernetesResources(Core.PODS).inAnyNamespace().runnableInformer(0), podViews);
        namespaces = watch("Namespaces", client.genericKubernetesResources(Core.NAMESPACES).runnableInformer(0), namespaceViews);
        identities = watch("CiliumIdentities", client.resources(CiliumIdentity.class).runnableInformer(0), new LeanItemStore<>());
        // Unused identities age without any event: look again a few times per grace period.
        long every = Math.max(1, grace.toMillis() / 4);
        loop.scheduleWithFixedDelay(this::schedule, every, every, TimeUnit.MILLISECONDS);
        LOG.infof("allocating identities (unused ones deleted after %s)", grace);
    }

    /**
     * Starts an informer without waiting for it: one the API server refuses for now (its RBAC or the
     * CRD not yet visible after a start) keeps trying, and passes wait until all have synced.
     */
    private <T extends HasMetadata> SharedIndexInformer<T> watch(String what, SharedIndexInformer<T> informer, ItemStore<T> store) {
        informer.itemStore(store);
        informer.addEventHandler(onAnyChange());
        informer.exceptionHandler((started, t) -> {
            LOG.warnf("watching %s: %s; trying again", what, t.getMessage());
            return true;
        });
        informer.start();
        return informer;
    }

    /** Any change of any object schedules a pass. */
    private <T> ResourceEventHandler<T> onAnyChange() {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T o) {
                schedule();
            }

            @Override
            public void onUpdate(T before, T after) {
                schedule();
            }

            @Override
            public void onDelete(T o, boolean unknownFinalState) {
                schedule();
            }
        };
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            loop.schedule(this::pass, 100, TimeUnit.MILLISECONDS); // a burst of events is one pass
        }
    }

    private void pass() {
        scheduled.set(false);
        if (!pods.hasSynced() || !namespaces.hasSynced() || !identities.hasSynced()) {
            schedule();
            return;
        }
        try {
            Map<String, Map<String, String>> nsLabels = new HashMap<>();
            namespaceViews.views().forEach(n -> nsLabels.put(n.metadata().name(), n.metadata().labelsOrEmpty()));
            List<Labels> used = new ArrayList<>();
            for (Core.Pod p : podViews.views()) {
                if (p.hostNetwork() || "Succeeded".equals(p.phase()) || "Failed".equals(p.phase())) {
                    continue; // no endpoint, as the agent sees it: a finished pod keeps no identity alive
                }
                String ns = p.metadata().namespace();
                used.add(PodIdentity.labels(ns, p.metadata().labelsOrEmpty(), nsLabels.getOrDefault(ns, Map.of()),
                        p.spec() == null ? null : p.spec().serviceAccountName()));
            }
            Map<String, Labels> existing = new HashMap<>();
            for (CiliumIdentity i : identities.getStore().list()) {
                existing.put(i.getMetadata().getName(), PodIdentity.fromSecurityLabels(
                        Objects.requireNonNullElse(i.getSecurityLabels(), Map.of())));
            }
            IdentityPlan plan = IdentityPlan.of(used, existing, unusedSince, Instant.now(), grace);
            plan.create().forEach(this::create);
            plan.delete().forEach(this::delete);
        } catch (RuntimeException e) {
            LOG.errorf("allocating identities: %s; trying again", e.getMessage());
            loop.schedule(this::schedule, 1, TimeUnit.SECONDS);
        }
    }

    private void create(int id, Labels labels) {
        CiliumIdentity i = new CiliumIdentity();
        Map<String, String> meta = new HashMap<>();
        labels.get(Label.K8S, Label.NAMESPACE).ifPresent(ns -> meta.put(Label.NAMESPACE, ns));
        i.setMetadata(new ObjectMetaBuilder().withName(Integer.toString(id)).withLabels(meta).build());
        i.setSecurityLabels(PodIdentity.securityLabels(labels));
        try {
            client.resource(i).create();
            LOG.infof("identity %d: %s", id, labels);
        } catch (KubernetesClientException e) {
            // 409: the number was taken meanwhile; the informer shows by whom, and the next pass picks another.
            LOG.warnf("identity %d for %s: %s", id, labels, e.getMessage());
            schedule();
        }
    }

    private void delete(String name) {
        try {
            client.resources(CiliumIdentity.class).withName(name).delete();
            LOG.infof("identity %s deleted: unused for %s", name, grace);
        } catch (KubernetesClientException e) {
            LOG.warnf("deleting identity %s: %s", name, e.getMessage());
        }
    }

    @jakarta.annotation.PreDestroy
    void stop() {
        loop.shutdownNow();
        if (pods != null) {
            List.of(pods, namespaces, identities).forEach(SharedIndexInformer::close);
        }
    }
}
