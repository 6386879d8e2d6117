package io.sluice.agent.bpf;

import io.sluice.bpf.datapath.PolicyEntryValue;
import io.sluice.policy.Direction;
import io.sluice.policy.EndpointPolicy;
import io.sluice.policy.HttpRule;
import io.sluice.policy.MatchType;
import io.sluice.policy.PolicyEntry;
import io.sluice.policy.PolicyKey;
import io.sluice.policy.Protocol;
import io.sluice.policy.ProxyListener;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DatapathSyncTest {
    static final PolicyKey L7 = new PolicyKey(256, Direction.EGRESS, Protocol.TCP, 8080, 16);
    static final PolicyKey LISTENED = new PolicyKey(257, Direction.EGRESS, Protocol.TCP, 80, 16);
    static final PolicyKey UNLISTENED = new PolicyKey(258, Direction.EGRESS, Protocol.TCP, 80, 16);
    static final EndpointPolicy POLICY = new EndpointPolicy(false, true, Map.of(
            L7, new PolicyEntry(false, MatchType.L3_L4, List.of(new HttpRule("GET", "/", "", List.of()))),
            LISTENED, new PolicyEntry(false, MatchType.L3_L4, List.of(), new ProxyListener("exam/deathstar-lb/lb", 100)),
            UNLISTENED, new PolicyEntry(false, MatchType.L3_L4, List.of(), new ProxyListener("exam/gone/lb", 100))));

    @Test
    void rows_sendL7ToThePolicyProxy_aListenerRowToItsListener_andDropWhereTheListenerIsMissing() {
        Map<io.sluice.bpf.datapath.PolicyEntryKey, PolicyEntryValue> rows = DatapathSync.rows(POLICY,
                new DatapathSink.ProxyPorts(10001, 10002, Map.of("exam/deathstar-lb/lb", 12000)));
        assertThat(rows.values()).extracting(PolicyEntryValue::proxyPort).containsExactlyInAnyOrder(10002, 12000, 0);
        assertThat(rows.entrySet()).filteredOn(e -> e.getKey().identity() == 258).singleElement()
                .satisfies(e -> assertThat(e.getValue().deny()).isTrue());
        assertThat(rows.entrySet()).filteredOn(e -> e.getKey().identity() == 257).singleElement()
                .satisfies(e -> assertThat(e.getValue().deny()).isFalse());
    }
}
