package io.sluice.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
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
 * deleted, and one whose label set comes back before that is kept.
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
    private SharedIndexInformer<Pod> pods;
    private SharedIndexInformer<Namespace> namespaces;
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
        pods = watch(client.pods().inAnyNamespace().runnableInformer(0));
        namespaces = watch(client.namespaces().runnableInformer(0));
        identities = watch(client.resources(CiliumIdentity.class).runnableInformer(0));
        // Unused identities age without any event: look again a few times per grace period.
        long every = Math.max(1, grace.toMillis() / 4);
        loop.scheduleWithFixedDelay(this::schedule, every, every, TimeUnit.MILLISECONDS);
        LOG.infof("allocating identities (unused ones deleted after %s)", grace);
    }

    /**
     * Starts an informer without waiting for it: one the API server refuses for now (its RBAC or the
     * CRD not yet visible after a start) keeps trying, and passes wait until all have synced.
     */
    private <T extends HasMetadata> SharedIndexInformer<T> watch(SharedIndexInformer<T> informer) {
        informer.itemStore(new LeanItemStore<>());
        informer.addEventHandler(onAnyChange());
        informer.exceptionHandler((started, t) -> {
            LOG.warnf("watching %s: %s; trying again", informer.getApiTypeClass().getSimpleName(), t.getMessage());
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
            namespaces.getStore().list().forEach(n -> nsLabels.put(n.getMetadata().getName(),
                    Objects.requireNonNullElse(n.getMetadata().getLabels(), Map.of())));
            List<Labels> used = new ArrayList<>();
            for (Pod p : pods.getStore().list()) {
                String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
                if (Boolean.TRUE.equals(p.getSpec().getHostNetwork()) || "Succeeded".equals(phase) || "Failed".equals(phase)) {
                    continue; // no endpoint, as the agent sees it: a finished pod keeps no identity alive
                }
                String ns = p.getMetadata().getNamespace();
                used.add(PodIdentity.labels(ns, Objects.requireNonNullElse(p.getMetadata().getLabels(), Map.of()),
                        nsLabels.getOrDefault(ns, Map.of()), p.getSpec().getServiceAccountName()));
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
