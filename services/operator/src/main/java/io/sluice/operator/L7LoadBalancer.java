package io.sluice.operator;

import io.sluice.manifest.L7LoadBalancing;
import io.sluice.operator.crd.EnvoyConfigSpec;

import java.util.List;
import java.util.Map;

/**
 * The CiliumEnvoyConfig of a Service annotated {@code service.cilium.io/lb-l7: enabled}, as the
 * operator writes it ({@link L7LoadBalancing}, shared with the standalone node). Pure.
 */
public final class L7LoadBalancer {
    public static final String ANNOTATION = L7LoadBalancing.ANNOTATION;
    public static final String ALGORITHM = L7LoadBalancing.ALGORITHM;

    private L7LoadBalancer() {}

    /** Whether a Service with these annotations asks for L7 load balancing. */
    public static boolean wanted(Map<String, String> annotations) {
        return L7LoadBalancing.wanted(annotations);
    }

    public static String configName(String service) {
        return L7LoadBalancing.configName(service);
    }

    /** Envoy's LbPolicy for the annotation's algorithm; {@code fallback} (the operator's default) when absent or unknown. */
    public static String lbPolicy(Map<String, String> annotations, String fallback) {
        return L7LoadBalancing.lbPolicy(annotations, fallback);
    }

    /** The config's spec for {@code namespace/service}. */
    public static EnvoyConfigSpec spec(String namespace, String service, String lbPolicy) {
        return new EnvoyConfigSpec(List.of(new EnvoyConfigSpec.ServiceListener(service, namespace, null, "")), null,
                L7LoadBalancing.resources(namespace, service, lbPolicy), null);
    }
}
