package io.sluice.agent.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;

import java.util.List;

/**
 * What the informers hold at one moment: this node's pods and the cluster's other inputs
 * (identities: CiliumIdentity objects; envoyConfigs: CiliumEnvoyConfig and the cluster-wide kind).
 */
public record ClusterObjects(List<Pod> pods, List<Namespace> namespaces, List<Service> services, List<EndpointSlice> slices,
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
    public ClusterObjects(List<Pod> pods, List<Namespace> namespaces, List<Service> services, List<EndpointSlice> slices,
                          List<GenericKubernetesResource> policies, List<GenericKubernetesResource> identities) {
        this(pods, namespaces, services, slices, policies, identities, List.of());
    }
}
