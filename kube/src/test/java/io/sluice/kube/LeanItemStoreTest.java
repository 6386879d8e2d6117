package io.sluice.kube;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LeanItemStoreTest {
    @Test
    void keepsTheObjectWithoutManagedFieldsAndTheLastAppliedCopy_underItsNamespacedKey() {
        GenericKubernetesResource p = new GenericKubernetesResource();
        p.setKind("CiliumNetworkPolicy");
        p.setMetadata(new ObjectMetaBuilder().withName("rule1").withNamespace("default").withResourceVersion("7")
                .withLabels(Map.of("app", "x"))
                .withAnnotations(new java.util.HashMap<>(Map.of(LeanItemStore.LAST_APPLIED, "{\"kind\":\"CiliumNetworkPolicy\"}",
                        "team", "empire")))
                .withManagedFields(new ManagedFieldsEntryBuilder().withManager("kubectl-client-side-apply").build()).build());
        LeanItemStore<GenericKubernetesResource> store = new LeanItemStore<>();

        store.put(store.getKey(p), p);

        GenericKubernetesResource kept = store.get("default/rule1");
        assertThat(kept.getMetadata().getManagedFields()).isNullOrEmpty();
        assertThat(kept.getMetadata().getAnnotations()).containsExactly(Map.entry("team", "empire"));
        assertThat(kept.getMetadata().getLabels()).containsEntry("app", "x");
        assertThat(kept.getMetadata().getResourceVersion()).isEqualTo("7");
    }
}
