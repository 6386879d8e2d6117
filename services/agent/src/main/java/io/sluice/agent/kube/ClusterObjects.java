package io.sluice.agent.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.sluice.kube.Core;

import java.util.List;

/**
 * What the informers hold at one moment: this node's pods and the cluster's other inputs, the core
 * kinds as their {@link Core} views
 * (identities: CiliumIdentity objects; envoyConfigs: CiliumEnvoyConfig and the cluster-wide kind).
 */
record ClusterObjects(List<Core.Pod> pods, List<Core.Namespace> namespaces, List<Core.Service> services,
                             List<Core.EndpointSlice> slices,
                             List<GenericKubernetesResource> policies, List<GenericKubernetesResource> identities,
                             List<GenericKubernetesResource> envoyConfigs) {
    public ClusterObjects {
        pods = List.copyOf(pods);
        namespaces = List.copyOf(namespaces);
        services = List.copyOf(services);
        slices = List.copyOf(slices);
        policies = List.copyOf(policies);
        identities = List.copyOf(identities);
        envoyConfigs = List.copyOf(envoyConfigs);
    }

    /** Without Envoy configs. */
    ClusterObjects(List<Core.Pod> pods, List<Core.Namespace> namespaces, List<Core.Service> services, List<Core.EndpointSlice> slices,
                   List<GenericKubernetesResource> policies, List<GenericKubernetesResource> identities) {
        this(pods, namespaces, services, slices, policies, identities, List.of());
    }
}
