package io.sluice.agent.kube;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CniChainingTest {
    private static final String PTP = """
            {"cniVersion": "0.4.0", "name": "k8s-pods", "plugins": [
              {"type": "ptp", "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.244.0.0/24"}]]}}]}""";

    @Test
    void ourPlugin_goesLast_afterTheClustersOwn_andOnlyOnce() {
        String once = CniChaining.chained(PTP, "/var/lib/sluice/api.sock").orElseThrow();
        assertThat(once).containsSubsequence("\"type\" : \"ptp\"", "\"type\" : \"sluice-cni\"", "\"socket\" : \"/var/lib/sluice/api.sock\"")
                .contains("\"subnet\" : \"10.244.0.0/24\"").contains("\"name\" : \"k8s-pods\"");
        // already chained: nothing to write
        assertThat(CniChaining.chained(once, "/var/lib/sluice/api.sock")).isEmpty();
        // another socket, or our entry not last: rewritten with one entry, last
        String moved = CniChaining.chained(once, "/run/sluice/api.sock").orElseThrow();
        assertThat(moved).doesNotContain("/var/lib/sluice/api.sock").containsOnlyOnce("sluice-cni");
        String first = PTP.replace("\"plugins\": [", "\"plugins\": [{\"type\": \"sluice-cni\", \"socket\": \"/x\"},");
        assertThat(CniChaining.chained(first, "/x").orElseThrow()).containsSubsequence("ptp", "sluice-cni").containsOnlyOnce("sluice-cni");
    }

    @Test
    void notAConflist_isRefusedByField() {
        assertThatThrownBy(() -> CniChaining.chained("{\"cniVersion\": \"0.4.0\", \"name\": \"n\", \"type\": \"ptp\"}", "/s"))
                .hasMessageStartingWith("plugins: not a conflist");
        assertThatThrownBy(() -> CniChaining.chained("{\"name\": \"n\", \"plugins\": [{\"type\": \"sluice-cni\"}]}", "/s"))
                .hasMessage("plugins: no plugin of the cluster's own to chain after");
        assertThatThrownBy(() -> CniChaining.chained("{", "/s")).hasMessageStartingWith("not JSON");
    }
}
