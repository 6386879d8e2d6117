package io.sluice.agent.kube;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.quarkus.kubernetes.client.KubernetesClientObjectMapper;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The Kubernetes client's serialization, with no typed kind registered: the agent reads every
 * object as a generic resource ({@link ClusterWatch}), so a watch event's object is one too. The
 * client's own would register every class of its typed model at start and make each Pod, Service
 * and EndpointSlice event a typed object first, loading some 1,200 classes the agent never uses
 * (docs/benchmarks.md, "Footprint").
 */
@Singleton
public class ClientSerialization {
    @Produces
    @Singleton
    KubernetesSerialization kubernetesSerialization(@KubernetesClientObjectMapper ObjectMapper mapper) {
        return new KubernetesSerialization(mapper, false);
    }
}
