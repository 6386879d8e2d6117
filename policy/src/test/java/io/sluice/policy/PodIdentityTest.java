package io.sluice.policy;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PodIdentityTest {
    static final Labels DEATHSTAR = PodIdentity.labels("default", Map.of("org", "empire", "class", "deathstar"),
            Map.of("kubernetes.io/metadata.name", "default"), "");

    @Test
    void labels_areCiliums() {
        assertThat(DEATHSTAR.toString()).isEqualTo("k8s:class=deathstar,k8s:io.cilium.k8s.namespace.labels."
                + "kubernetes.io/metadata.name=default,k8s:io.cilium.k8s.policy.cluster=default,"
                + "k8s:io.cilium.k8s.policy.serviceaccount=default,k8s:io.kubernetes.pod.namespace=default,k8s:org=empire");
    }

    @Test
    void labelsControllersAdd_areNotPartOfTheIdentity() {
        Labels rs = PodIdentity.labels("default", Map.of("org", "empire", "class", "deathstar", "pod-template-hash", "5d76ccc74b",
                "controller-revision-hash", "7c9", "statefulset.kubernetes.io/pod-name", "db-0", "app.kubernetes.io/name", "deathstar",
                "kubernetes.io/arch", "amd64"), Map.of("kubernetes.io/metadata.name", "default"), "");
        assertThat(rs.toString()).doesNotContain("pod-template-hash").doesNotContain("controller-revision-hash")
                .doesNotContain("statefulset").doesNotContain("k8s:kubernetes.io/arch")
                .contains("k8s:app.kubernetes.io/name=deathstar", "k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=default");
        assertThat(PodIdentity.allocate(rs, Map.of())).isEqualTo(PodIdentity.allocate(PodIdentity.labels("default",
                Map.of("org", "empire", "class", "deathstar", "app.kubernetes.io/name", "deathstar", "pod-template-hash", "other"),
                Map.of("kubernetes.io/metadata.name", "default"), ""), Map.of()));
    }

    @Test
    void allocate_isTheSameEverywhere_andStepsOverATakenNumber() {
        int id = PodIdentity.allocate(DEATHSTAR, Map.of());
        assertThat(id).isBetween(256, 65535).isEqualTo(PodIdentity.allocate(DEATHSTAR, new HashMap<>()));
        assertThat(PodIdentity.allocate(DEATHSTAR, Map.of("k8s:other", id))).isEqualTo(id == 65535 ? 256 : id + 1);
        assertThat(PodIdentity.allocate(DEATHSTAR, Map.of(DEATHSTAR.toString(), 4242))).isEqualTo(4242);
    }

    @Test
    void securityLabels_roundTrip() {
        Map<String, String> sec = PodIdentity.securityLabels(DEATHSTAR);
        assertThat(sec).containsEntry("k8s:org", "empire").containsEntry("k8s:io.kubernetes.pod.namespace", "default");
        assertThat(PodIdentity.fromSecurityLabels(sec)).isEqualTo(DEATHSTAR);
    }
}
