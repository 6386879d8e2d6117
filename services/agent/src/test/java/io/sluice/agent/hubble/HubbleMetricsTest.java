package io.sluice.agent.hubble;

import io.sluice.api.hubble.flow.Flow;
import io.sluice.api.hubble.flow.HTTP;
import io.sluice.api.hubble.flow.Layer7;
import io.sluice.api.hubble.flow.L7FlowType;
import io.sluice.api.hubble.flow.FlowType;
import io.sluice.api.hubble.flow.TrafficDirection;
import io.sluice.api.hubble.flow.Verdict;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The text format as Hubble's Go client writes it: shortest bucket bounds, escaped label values. */
class HubbleMetricsTest {
    @Test
    void bucketBoundsAreWrittenAsHubbleWritesThem_andAClientsMethodCannotBreakTheFormat() {
        HubbleMetrics m = new HubbleMetrics();
        m.flow(Flow.newBuilder().setType(FlowType.L7).setVerdict(Verdict.FORWARDED)
                .setTrafficDirection(TrafficDirection.INGRESS)
                .setL7(Layer7.newBuilder().setType(L7FlowType.RESPONSE).setLatencyNs(2_000_000)
                        .setHttp(HTTP.newBuilder().setMethod("G\"E\\T\n").setProtocol("HTTP/1.1").setCode(200))).build());
        String text = m.exposition();
        assertThat(text).contains("le=\"0.005\"").contains("le=\"1\"").contains("le=\"2.5\"").contains("le=\"10\"")
                .doesNotContain("le=\"1.0\"").doesNotContain("le=\"10.0\"");
        assertThat(text).contains("hubble_http_requests_total{method=\"G\\\"E\\\\T\\n\",protocol=\"HTTP/1.1\",reporter=\"server\","
                + "status=\"200\"} 1");
        // every sample line is one line: name{labels} value
        text.lines().filter(l -> !l.startsWith("#")).forEach(l -> assertThat(l).matches("[a-z_]+(\\{.*\\})? [0-9.E+-]+"));
    }
}
