package io.sluice.cli;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ClusterStatusTest {
    private static ClusterStatus.Workload ready(String kind, String name) {
        return new ClusterStatus.Workload(kind, name, 1, 1, 1, 1, Map.of("localhost/sluice/x:1", 1), List.of());
    }

    private static final Map<String, String> CONFIG = Map.of("external-envoy-proxy", "true");

    @Test
    void everythingReady_isOk_asCiliumSaysIt() {
        var lines = ClusterStatus.components(Map.of(ClusterStatus.AGENT, ready("DaemonSet", ClusterStatus.AGENT),
                ClusterStatus.ENVOY, ready("DaemonSet", ClusterStatus.ENVOY),
                ClusterStatus.OPERATOR, ready("Deployment", ClusterStatus.OPERATOR),
                ClusterStatus.RELAY, ready("Deployment", ClusterStatus.RELAY)), CONFIG);
        assertThat(lines).extracting(ClusterStatus.Line::name).containsExactly("Sluice", "Operator", "Envoy DaemonSet",
                "Hubble Relay", "ClusterMesh");
        assertThat(lines).extracting(ClusterStatus.Line::state).containsExactly("OK", "OK", "OK", "OK", "disabled");
        assertThat(ClusterStatus.waitingFor(lines)).isEmpty();
    }

    @Test
    void aCrashingAgent_isNamedWithItsPodAndReason_andARelayNotInstalledIsDisabled() {
        var agent = new ClusterStatus.Workload("DaemonSet", ClusterStatus.AGENT, 2, 1, 1, 2, Map.of(),
                List.of("sluice-agent-x7/agent CrashLoopBackOff, 3 restarts"));
        var lines = ClusterStatus.components(Map.of(ClusterStatus.AGENT, agent,
                ClusterStatus.OPERATOR, ready("Deployment", ClusterStatus.OPERATOR)), Map.of("external-envoy-proxy", "false"));
        assertThat(lines.get(0)).isEqualTo(new ClusterStatus.Line("Sluice", "degraded",
                "1 of 2 agents ready: sluice-agent-x7/agent CrashLoopBackOff, 3 restarts"));
        assertThat(lines.get(2).state()).isEqualTo("disabled");
        assertThat(lines.get(3)).isEqualTo(new ClusterStatus.Line("Hubble Relay", "disabled", ""));
        assertThat(ClusterStatus.waitingFor(lines)).startsWith("Sluice (degraded: 1 of 2 agents ready")
                .doesNotContain("Hubble Relay").doesNotContain("Envoy DaemonSet").doesNotContain("Operator");
    }

    @Test
    void aRelayNotReady_isAnErrorNamingItsPod() {
        var relay = new ClusterStatus.Workload("Deployment", ClusterStatus.RELAY, 1, 0, 0, 1, Map.of(),
                List.of("hubble-relay-5d/hubble-relay not ready"));
        var lines = ClusterStatus.components(Map.of(ClusterStatus.RELAY, relay), CONFIG);
        assertThat(lines.get(3)).isEqualTo(new ClusterStatus.Line("Hubble Relay", "error",
                "0 of 1 replicas ready: hubble-relay-5d/hubble-relay not ready"));
    }

    @Test
    void aMissingWorkload_saysWhatIsNotInstalled_andARolloutSaysHowFarItIs() {
        var operator = new ClusterStatus.Workload("Deployment", ClusterStatus.OPERATOR, 2, 2, 2, 1, Map.of(), List.of());
        var lines = ClusterStatus.components(Map.of(ClusterStatus.OPERATOR, operator), CONFIG);
        assertThat(lines.get(0)).isEqualTo(new ClusterStatus.Line("Sluice", "error", "not installed (no DaemonSet sluice-agent)"));
        assertThat(lines.get(1)).isEqualTo(new ClusterStatus.Line("Operator", "degraded", "2 of 2 replicas ready, 1 updated"));
        assertThat(lines.get(2).detail()).isEqualTo("not installed (no DaemonSet sluice-envoy)");
    }
}
