package io.sluice.cli;

import com.google.protobuf.BoolValue;
import com.google.protobuf.Timestamp;
import io.sluice.api.hubble.flow.CiliumEventType;
import io.sluice.api.hubble.flow.Endpoint;
import io.sluice.api.hubble.flow.Flow;
import io.sluice.api.hubble.flow.HTTP;
import io.sluice.api.hubble.flow.IP;
import io.sluice.api.hubble.flow.L7FlowType;
import io.sluice.api.hubble.flow.Layer4;
import io.sluice.api.hubble.flow.Layer7;
import io.sluice.api.hubble.flow.TCP;
import io.sluice.api.hubble.flow.TCPFlags;
import io.sluice.api.hubble.flow.TrafficDirection;
import io.sluice.api.hubble.flow.Verdict;
import io.sluice.api.hubble.observer.GetFlowsRequest;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/** Hubble's compact lines and Hubble's flag-to-filter rules, without a server. */
class ObserveOutputTest {
    static final Endpoint XWING = Endpoint.newBuilder().setNamespace("default").setPodName("xwing").setIdentity(10135).build();
    static final Endpoint DEATHSTAR = Endpoint.newBuilder().setNamespace("default").setPodName("deathstar-b4b8ccfb5-wc4vr")
            .setIdentity(58295).build();

    @Test
    void compactLines_haveHubblesShape() {
        Flow drop = base().setEventType(CiliumEventType.newBuilder().setType(1).setSubType(133)).setVerdict(Verdict.DROPPED).build();
        assertThat(FlowPrinter.compact(drop)).endsWith(": default/xwing:43966 (ID:10135) <> default/deathstar-b4b8ccfb5-wc4vr:80 "
                + "(ID:58295) Policy denied DROPPED (TCP Flags: SYN)");
        Flow verdict = base().setEventType(CiliumEventType.newBuilder().setType(5)).setVerdict(Verdict.DROPPED)
                .setTrafficDirection(TrafficDirection.INGRESS).build();
        assertThat(FlowPrinter.compact(verdict)).contains("policy-verdict:none INGRESS DENIED (TCP Flags: SYN)");
        Flow trace = base().setEventType(CiliumEventType.newBuilder().setType(4).setSubType(1))
                .setTraceObservationPoint(io.sluice.api.hubble.flow.TraceObservationPoint.TO_PROXY)
                .setIsReply(BoolValue.of(false)).setVerdict(Verdict.FORWARDED).build();
        assertThat(FlowPrinter.compact(trace)).contains("(ID:10135) -> default/deathstar").endsWith("to-proxy FORWARDED (TCP Flags: SYN)");
        Flow response = Flow.newBuilder(base().build()).setSource(DEATHSTAR).setDestination(XWING)
                .setIP(IP.newBuilder().setSource("10.0.0.2").setDestination("10.0.0.1"))
                .setL4(Layer4.newBuilder().setTCP(TCP.newBuilder().setSourcePort(80).setDestinationPort(43966)))
                .setIsReply(BoolValue.of(true)).setVerdict(Verdict.FORWARDED).setEventType(CiliumEventType.newBuilder().setType(129))
                .setL7(Layer7.newBuilder().setType(L7FlowType.RESPONSE).setLatencyNs(1_400_000).setHttp(HTTP.newBuilder()
                        .setCode(200).setMethod("POST").setProtocol("HTTP/1.1").setUrl("http://deathstar/v1/request-landing"))).build();
        assertThat(FlowPrinter.compact(response)).endsWith(": default/xwing:43966 (ID:10135) <- default/deathstar-b4b8ccfb5-wc4vr:80 "
                + "(ID:58295) http-response FORWARDED (HTTP/1.1 200 1ms (POST http://deathstar/v1/request-landing))");
        Flow world = Flow.newBuilder(drop).setSource(Endpoint.newBuilder().setIdentity(2)).build();
        assertThat(FlowPrinter.compact(world)).contains(": 10.0.0.1:43966 (world) <> ");
    }

    @Test
    void flags_becomeFiltersAsHubblesCliMakesThem() {
        GetFlowsRequest pod = request("--pod", "default/xwing");
        assertThat(pod.getWhitelistCount()).as("--pod: source OR destination").isEqualTo(2);
        assertThat(pod.getWhitelist(0).getSourcePodList()).containsExactly("default/xwing");
        assertThat(pod.getWhitelist(1).getDestinationPodList()).containsExactly("default/xwing");
        assertThat(pod.getNumber()).as("--last 20 by default").isEqualTo(20);

        GetFlowsRequest fromTo = request("--from-pod", "default/tiefighter", "--to-pod", "default/deathstar", "--verdict", "DROPPED");
        assertThat(fromTo.getWhitelistCount()).isEqualTo(1);
        assertThat(fromTo.getWhitelist(0).getSourcePodList()).containsExactly("default/tiefighter");
        assertThat(fromTo.getWhitelist(0).getDestinationPodList()).containsExactly("default/deathstar");

        GetFlowsRequest not = request("-n", "default", "--not", "--verdict", "FORWARDED", "-t", "trace:to-proxy", "-f");
        assertThat(not.getBlacklistCount()).isEqualTo(1);
        assertThat(not.getBlacklist(0).getVerdictList()).containsExactly(Verdict.FORWARDED);
        assertThat(not.getWhitelist(0).getSourcePodList()).containsExactly("default/");
        assertThat(not.getWhitelist(0).getEventType(0).getSubType()).isEqualTo(1);
        assertThat(not.getWhitelist(0).getEventType(0).getMatchSubType()).isTrue();
        assertThat(not.getFollow()).isTrue();
        assertThat(not.getNumber()).as("following: only new flows unless --last is given").isZero();
    }

    @Test
    void json_printsLabelsPlainly() throws Exception {
        String json = FlowPrinter.unescapeHtml(com.google.protobuf.util.JsonFormat.printer().omittingInsignificantWhitespace()
                .print(Endpoint.newBuilder().addLabels("k8s:org=empire").addLabels("a\\=b").build()));
        assertThat(json).isEqualTo("{\"labels\":[\"k8s:org=empire\",\"a\\\\=b\"]}");
    }

    static GetFlowsRequest request(String... args) {
        ObserveCommand c = new ObserveCommand();
        new CommandLine(c).parseArgs(args);
        return c.request();
    }

    static Flow.Builder base() {
        return Flow.newBuilder().setTime(Timestamp.newBuilder().setSeconds(1_723_442_939L)).setSource(XWING).setDestination(DEATHSTAR)
                .setIP(IP.newBuilder().setSource("10.0.0.1").setDestination("10.0.0.2"))
                .setL4(Layer4.newBuilder().setTCP(TCP.newBuilder().setSourcePort(43966).setDestinationPort(80)
                        .setFlags(TCPFlags.newBuilder().setSYN(true))));
    }
}
