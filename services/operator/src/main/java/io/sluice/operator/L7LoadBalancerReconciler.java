package io.sluice.operator;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.sluice.operator.crd.CiliumEnvoyConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * L7 load balancing by annotation: a Service annotated {@code service.cilium.io/lb-l7: enabled}
 * gets its CiliumEnvoyConfig ({@link L7LoadBalancer}), owned by the Service, so that deleting the
 * Service deletes it; removing the annotation deletes it too. Off when
 * {@code sluice.operator.lb-l7-backend} is not {@code envoy} (Helm's loadBalancer.l7.backend).
 */
@ControllerConfiguration(name = "lb-l7", generationAwareEventProcessing = false)
public class L7LoadBalancerReconciler implements Reconciler<Service> {
    private static final Logger LOG = Logger.getLogger(L7LoadBalancerReconciler.class);
    private final boolean enabled;
    private final String algorithm;

    L7LoadBalancerReconciler(@ConfigProperty(name = "sluice.operator.lb-l7-backend", defaultValue = "envoy") String backend,
                             @ConfigProperty(name = "sluice.operator.lb-l7-algorithm", defaultValue = "round_robin") String algorithm) {
        this.enabled = "envoy".equals(backend);
        this.algorithm = algorithm.toUpperCase(java.util.Locale.ROOT);
    }

    @Override
    public UpdateControl<Service> reconcile(Service service, Context<Service> context) {
        KubernetesClient client = context.getClient();
        String ns = service.getMetadata().getNamespace();
        String svc = service.getMetadata().getName();
        var configs = client.resources(CiliumEnvoyConfig.class).inNamespace(ns);
        String name = L7LoadBalancer.configName(svc);
        if (!L7LoadBalancer.wanted(service.getMetadata().getAnnotations())) {
            CiliumEnvoyConfig old = configs.withName(name).get();
            if (old != null && old.getMetadata().getOwnerReferences().stream()
                    .anyMatch(o -> service.getMetadata().getUid().equals(o.getUid()))) {
                configs.withName(name).delete();
                LOG.infof("%s/%s: L7 load balancing off, %s deleted", ns, svc, name);
            }
            return UpdateControl.noUpdate();
        }
        if (!enabled) {
            LOG.warnf("%s/%s asks for L7 load balancing (%s), which this cluster has not turned on (lb-l7-backend)", ns, svc,
                    L7LoadBalancer.ANNOTATION);
            return UpdateControl.noUpdate();
        }
        CiliumEnvoyConfig cec = new CiliumEnvoyConfig();
        cec.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).withOwnerReferences(new OwnerReferenceBuilder()
                .withApiVersion("v1").withKind("Service").withName(svc).withUid(service.getMetadata().getUid()).build()).build());
        cec.setSpec(L7LoadBalancer.spec(ns, svc, L7LoadBalancer.lbPolicy(service.getMetadata().getAnnotations(), algorithm)));
        client.resource(cec).fieldManager("sluice-operator").forceConflicts().serverSideApply();
        LOG.infof("%s/%s: L7 load balancing by %s (%s)", ns, svc, name, cec.getSpec().resources().get(2).path("lbPolicy").asText());
        return UpdateControl.noUpdate();
    }
}
