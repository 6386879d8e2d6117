package io.sluice.kube;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.quarkus.kubernetes.client.KubernetesClientObjectMapper;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The Kubernetes client's serialization, with no typed kind registered: a watch event's object
 * is a generic resource, and the client converts it to its operation's type when that is a typed
 * one (the operator's own kinds). The client's own would register every class of its typed model
 * at start and make each Pod, Service and EndpointSlice event a typed object first, loading some
 * 1,200 classes a service that reads {@link Core} views never uses (docs/benchmarks.md, "Footprint").
 * The services also leave the model's list of kinds out of their packages
 * ({@code quarkus.class-loading.removed-resources}), which the client's extension otherwise loads
 * at start.
 */
@Singleton
public class ClientSerialization {
    @Produces
    @Singleton
    KubernetesSerialization kubernetesSerialization(@KubernetesClientObjectMapper ObjectMapper mapper) {
        return new KubernetesSerialization(mapper, false);
    }
}
