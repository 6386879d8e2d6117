package io.sluice.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ViewStoreTest {
    static GenericKubernetesResource served(String yaml) {
        return Serialization.unmarshal(yaml, GenericKubernetesResource.class);
    }

    static final String SERVICE = """
            apiVersion: v1
            kind: Service
            metadata:
              name: deathstar
              namespace: default
              uid: u1
              resourceVersion: "7"
              managedFields: [{manager: kubectl, operation: Apply}]
              annotations: {kubectl.kubernetes.io/last-applied-configuration: "{}"}
            spec:
              clusterIP: 10.32.0.20
              ports: [{name: http, port: 80, targetPort: web}, {name: admin, port: 81, targetPort: 9000}, {port: 82}]
            status: {loadBalancer: {}}
            """;

    @Test
    void put_keepsTheView_andOnlyTheObjectsIdentityForTheInformer() {
        ViewStore<Core.Service> store = new ViewStore<>(Core.Service.class);
        GenericKubernetesResource o = served(SERVICE);
        store.put(store.getKey(o), o);
        assertThat(store.view("default/deathstar").spec().ports()).extracting(Core.ServicePort::targetPort)
                .containsExactly("web", 9000, null);
        GenericKubernetesResource kept = store.get("default/deathstar");
        assertThat(kept.getMetadata().getResourceVersion()).isEqualTo("7");
        assertThat(kept.getMetadata().getUid()).isEqualTo("u1");
        assertThat(kept.getMetadata().getManagedFields()).isEmpty();
        assertThat(kept.getMetadata().getAnnotations()).isEmpty();
        assertThat(kept.getAdditionalProperties()).isEmpty();
        store.remove("default/deathstar");
        assertThat(store.views()).isEmpty();
    }

    @Test
    void anObjectThatCannotBeRead_keepsItsLastGoodView() {
        ViewStore<Core.Service> store = new ViewStore<>(Core.Service.class);
        GenericKubernetesResource good = served(SERVICE);
        store.put("default/deathstar", good);
        GenericKubernetesResource odd = served(SERVICE.replace("clusterIP: 10.32.0.20", "clusterIP: {not: text}")
                .replace("\"7\"", "\"8\""));
        store.put("default/deathstar", odd);
        assertThat(store.view("default/deathstar").spec().clusterIP()).isEqualTo("10.32.0.20");
        assertThat(store.unreadable()).singleElement().asString().contains("Service default/deathstar: cannot be read (field spec.clusterIP");
        assertThat(store.get("default/deathstar").getMetadata().getResourceVersion()).isEqualTo("8");
        store.put("default/deathstar", good);
        assertThat(store.unreadable()).isEmpty();
        var e = org.assertj.core.api.Assertions.catchThrowableOfType(IllegalArgumentException.class,
                () -> ViewStore.view(odd, Core.Service.class));
        assertThat(ViewStore.why(e)).startsWith("field spec.clusterIP: Cannot deserialize value of type `java.lang.String`");
        var ports = served(SERVICE.replace("port: 82", "port: [82]"));
        assertThat(ViewStore.why(org.assertj.core.api.Assertions.catchThrowableOfType(IllegalArgumentException.class,
                () -> ViewStore.view(ports, Core.Service.class)))).startsWith("field spec.ports[2].port: ");
    }
}
