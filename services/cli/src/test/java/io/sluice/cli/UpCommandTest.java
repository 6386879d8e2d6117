package io.sluice.cli;

import io.sluice.api.node.NodeDefaults;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code sluice up} hands the agent only the settings the user gave; the defaults are declared once. */
class UpCommandTest {
    private static UpCommand parsed(String... args) {
        UpCommand up = new UpCommand();
        new CommandLine(up).parseArgs(args);
        return up;
    }

    @Test
    void onlyTheSettingsGiven_goToTheAgent() {
        assertThat(parsed("--relay-port", "0", "--envoy-admin", "--pod-cidr", "10.9.0.0/16", "--state-dir", "/tmp/x", "--timeout", "5")
                .agentSettings()).containsExactly("-Dsluice.relay-port=0", "-Dsluice.envoy-admin-enabled=true",
                "-Dsluice.pod-cidr=10.9.0.0/16");
        assertThat(parsed().agentSettings()).isEmpty();
    }

    @Test
    void theOptionsShowTheAgentsDefaults() {
        UpCommand up = parsed();
        assertThat(up.relayPort).isEqualTo(Integer.parseInt(NodeDefaults.RELAY_PORT));
        assertThat(up.podCidr).isEqualTo(NodeDefaults.POD_CIDR);
        assertThat(up.stateDir).hasToString(NodeDefaults.STATE_DIR);
        assertThat(up.hubbleBufferCapacity).isEqualTo(Integer.parseInt(NodeDefaults.HUBBLE_BUFFER_CAPACITY));
    }
}
