package io.sluice.agent.hubble;

import io.sluice.agent.endpoint.Endpoint;
import io.sluice.agent.flow.L7Record;
import io.sluice.policy.Cidr;
import io.sluice.policy.Labels;
import io.sluice.policy.Protocol;
import io.sluice.agent.service.Frontend;
import io.sluice.api.hubble.HubbleStreams;
import io.sluice.api.hubble.flow.DropReason;
import io.sluice.api.hubble.flow.EventTypeFilter;
import io.sluice.api.hubble.flow.Flow;
import io.sluice.api.hubble.flow.FlowFilter;
import io.sluice.api.hubble.flow.L7FlowType;
import io.sluice.api.hubble.flow.LostEventSource;
import io.sluice.api.hubble.flow.TCPFlags;
import io.sluice.api.hubble.flow.TraceObservationPoint;
import io.sluice.api.hubble.flow.TrafficDirection;
import io.sluice.api.hubble.flow.Verdict;
import io.sluice.api.hubble.observer.GetFlowsRequest;
import io.sluice.api.hubble.observer.GetFlowsResponse;
import io.sluice.bpf.datapath.DatapathEvent;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Datapath events and access logs into flows, Hubble's filter semantics, and GetFlows over the buffer. */
class HubbleFlowsTest {
    static final int XWING = ip("10.200.0.4"), DEATHSTAR = ip("10.200.0.2"), VIP = ip("10.96.0.10");
    static final Directory DIR = new Directory(List.of(
            endpoint("xwing", 4, 258, XWING, Map.of("org", "alliance", "class", "xwing")),
            endpoint("deathstar-1", 2, 256, DEATHSTAR, Map.of("org", "empire", "class", "deathstar"))),
            List.of(new Frontend("default/deathstar", VIP, 80, Protocol.TCP, List.of(new Frontend.Backend(DEATHSTAR, 80)))),
            ip("10.200.0.1"));
    final FlowParser parser = new FlowParser("node-1", () -> DIR);

    /** The proxy's listener missing (Envoy down) is Cilium's DROP_PROXY_LOOKUP_FAILED, which Hubble names SOCKET_LOOKUP_FAILED. */
    @Test
    void dropEvent_proxyListenerMissing_isHubblesSocketLookupFailed() {
        Flow f = parser.parse(event(DatapathEvent.DROP, io.sluice.agent.bpf.DropReasons.PROXY_LOOKUP_FAILED, 0, 0, XWING, 43966,
                DEATHSTAR, 80, 0x02), 0);
        assertThat(f.getDropReasonDesc()).isEqualTo(DropReason.SOCKET_LOOKUP_FAILED);
        assertThat(io.sluice.agent.bpf.DropReasons.describe(f.getDropReason())).isEqualTo("Socket lookup failed");
    }

    /** A packet with a forged source names someone else: the flow names the pod whose veth it left. */
    @Test
    void dropEvent_invalidSourceIp_namesThePodThatSentIt() {
        DatapathEvent e = event(DatapathEvent.DROP, io.sluice.agent.bpf.DropReasons.INVALID_SOURCE_IP, 1, 0, DEATHSTAR, 40000,
                ip("10.200.0.9"), 80, 0x02);
        Flow f = parser.parse(new DatapathEvent(e.type(), e.subtype(), e.direction(), 0, 4, e.ifindex(), 258, 2, e.origLen(),
                e.ktimeNs(), e.flags(), 0, e.packet()), 0);
        assertThat(f.getDropReasonDesc()).isEqualTo(DropReason.INVALID_SOURCE_IP);
        assertThat(io.sluice.agent.bpf.DropReasons.describe(f.getDropReason())).isEqualTo("Invalid source ip");
        assertThat(f.getSource().getPodName()).isEqualTo("xwing");
        assertThat(f.getIP().getSource()).as("the forged address, as sent").isEqualTo("10.200.0.2");
        assertThat(f.getTrafficDirection()).isEqualTo(TrafficDirection.EGRESS);
    }

    @Test
    void dropEvent_becomesAFlowNamingBothPodsTheReasonAndTheSynFlag() {
        Flow f = parser.parse(event(DatapathEvent.DROP, 133, 0, 0, XWING, 43966, DEATHSTAR, 80, 0x02), 1_000_000_123L);
        assertThat(f.getVerdict()).isEqualTo(Verdict.DROPPED);
        assertThat(f.getDropReasonDesc()).isEqualTo(DropReason.POLICY_DENIED);
        assertThat(f.getEventType().getType()).isEqualTo(1);
        assertThat(f.getEventType().getSubType()).isEqualTo(133);
        assertThat(f.getSource().getPodName()).isEqualTo("xwing");
        assertThat(f.getSource().getIdentity()).isEqualTo(258);
        assertThat(f.getSource().getLabelsList()).contains("k8s:org=alliance", "k8s:io.kubernetes.pod.namespace=default");
        assertThat(f.getDestination().getPodName()).isEqualTo("deathstar-1");
        assertThat(f.getDestinationService().getName()).isEqualTo("deathstar");
        assertThat(f.getL4().getTCP().getSourcePort()).isEqualTo(43966);
        assertThat(f.getL4().getTCP().getFlags().getSYN()).isTrue();
        assertThat(f.getL4().getTCP().getFlags().getACK()).isFalse();
        assertThat(f.hasIsReply()).as("drops leave is_reply unset (printed <>)").isFalse();
        assertThat(f.getTrafficDirection()).isEqualTo(TrafficDirection.INGRESS);
        assertThat(f.getTime().getSeconds()).isEqualTo(1);
        assertThat(f.getTime().getNanos()).isEqualTo(123);
        assertThat(f.getSummary()).isEqualTo("TCP Flags: SYN");
    }

    @Test
    void traceEvents_carryTheObservationPointAndReplyState() {
        Flow toProxy = parser.parse(event(DatapathEvent.TRACE, 1, 1, 0, XWING, 1000, DEATHSTAR, 80, 0x18), 0);
        assertThat(toProxy.getTraceObservationPoint()).isEqualTo(TraceObservationPoint.TO_PROXY);
        assertThat(toProxy.getIsReply().getValue()).isFalse();
        assertThat(toProxy.hasIsReply()).isTrue();
        assertThat(toProxy.getTrafficDirection()).isEqualTo(TrafficDirection.EGRESS);
        Flow reply = parser.parse(event(DatapathEvent.TRACE, 0, 1, DatapathEvent.F_REPLY, DEATHSTAR, 80, XWING, 1000, 0x12), 0);
        assertThat(reply.getTraceObservationPoint()).isEqualTo(TraceObservationPoint.TO_ENDPOINT);
        assertThat(reply.getIsReply().getValue()).isTrue();
        Flow verdict = parser.parse(event(DatapathEvent.POLICY_VERDICT, 0, 0, 0, XWING, 1000, DEATHSTAR, 80, 0x02), 0);
        assertThat(verdict.getVerdict()).isEqualTo(Verdict.DROPPED);
        assertThat(verdict.hasIsReply()).isFalse();
    }

    @Test
    void accessLog_becomesRequestAndResponseFlows_withCanonicalSortedHeaders() {
        List<Flow> flows = parser.parse(l7(true, 200));
        assertThat(flows).hasSize(2);
        Flow req = flows.get(0), resp = flows.get(1);
        assertThat(req.getL7().getType()).isEqualTo(L7FlowType.REQUEST);
        assertThat(req.getL7().getHttp().getMethod()).isEqualTo("POST");
        assertThat(req.getL7().getHttp().getHeadersList()).extracting(h -> h.getKey())
                .containsExactly("Accept", "User-Agent", "X-Request-Id");
        assertThat(req.getSource().getPodName()).isEqualTo("xwing");
        assertThat(req.getIsReply().getValue()).isFalse();
        assertThat(req.getEventType().getType()).isEqualTo(129);
        assertThat(resp.getL7().getType()).isEqualTo(L7FlowType.RESPONSE);
        assertThat(resp.getL7().getHttp().getCode()).isEqualTo(200);
        assertThat(resp.getL7().getLatencyNs()).isEqualTo(2_000_000);
        assertThat(resp.getSource().getPodName()).as("a response goes from the server").isEqualTo("deathstar-1");
        assertThat(resp.getIsReply().getValue()).isTrue();
        assertThat(resp.getL7().getHttp().getHeadersList()).anyMatch(h -> h.getKey().equals("X-Request-Id")
                && h.getValue().equals("req-1"));
        assertThat(resp.getSummary()).isEqualTo("HTTP/1.1 200 2ms (POST http://deathstar.default.svc.cluster.local/v1/request-landing)");

        List<Flow> denied = parser.parse(l7(false, 403));
        assertThat(denied.get(0).getVerdict()).isEqualTo(Verdict.DROPPED);
        assertThat(denied.get(1).getL7().getHttp().getCode()).as("the proxy's own 403 goes back to the client").isEqualTo(403);
    }

    @Test
    void filters_followHubbleSemantics() {
        Flow drop = parser.parse(event(DatapathEvent.DROP, 133, 0, 0, XWING, 43966, DEATHSTAR, 80, 0x02), 0);
        List<Flow> http = parser.parse(l7(true, 200));
        assertThat(pass(FlowFilter.newBuilder().addDestinationPod("deathstar").build(), drop)).as("no slash: namespace default").isTrue();
        assertThat(pass(FlowFilter.newBuilder().addDestinationPod("default/").build(), drop)).isTrue();
        assertThat(pass(FlowFilter.newBuilder().addDestinationPod("kube-system/").build(), drop)).isFalse();
        assertThat(pass(FlowFilter.newBuilder().addSourcePod("default/xw").addDestinationPod("default/tie").build(), drop))
                .as("fields of one filter are ANDed").isFalse();
        assertThat(pass(FlowFilter.newBuilder().addVerdict(Verdict.FORWARDED).addVerdict(Verdict.DROPPED).build(), drop))
                .as("values of one field are ORed").isTrue();
        assertThat(pass(FlowFilter.newBuilder().addHttpStatusCode("2+").build(), http.get(0))).as("requests have no code").isFalse();
        assertThat(pass(FlowFilter.newBuilder().addHttpStatusCode("2+").build(), http.get(1))).isTrue();
        assertThat(pass(FlowFilter.newBuilder().addHttpStatusCode("404").build(), http.get(1))).isFalse();
        assertThat(pass(FlowFilter.newBuilder().addHttpPath("^/v1/").addHttpMethod("post").build(), http.get(0))).isTrue();
        assertThat(pass(FlowFilter.newBuilder().addProtocol("http").build(), drop)).isFalse();
        assertThat(pass(FlowFilter.newBuilder().addSourceLabel("org=alliance,class in (xwing, ywing)").build(), drop)).isTrue();
        assertThat(pass(FlowFilter.newBuilder().addSourceLabel("k8s:org!=alliance").build(), drop)).isFalse();
        assertThat(pass(FlowFilter.newBuilder().addTcpFlags(TCPFlags.newBuilder().setSYN(true)).build(), drop)).isTrue();
        assertThat(pass(FlowFilter.newBuilder().addEventType(EventTypeFilter.newBuilder().setType(4)).build(), drop)).isFalse();
        assertThat(pass(FlowFilter.newBuilder().addDestinationIp("10.200.0.0/24").addDestinationPort("80").build(), drop)).isTrue();
        Predicate<Flow> notDropped = FlowFilters.compile(List.of(), List.of(FlowFilter.newBuilder().addVerdict(Verdict.DROPPED).build()));
        assertThat(notDropped.test(drop)).as("blacklist").isFalse();
        assertThat(notDropped.test(http.get(0))).isTrue();
    }

    @Test
    void badFilterValues_areRefusedWithTheFieldNamed() {
        assertThatThrownBy(() -> FlowFilters.compile(List.of(FlowFilter.newBuilder().addProtocol("bogus").build()), List.of()))
                .isInstanceOf(FlowFilters.InvalidFilter.class).hasMessageContaining("protocol: unknown protocol 'bogus'");
        assertThatThrownBy(() -> FlowFilters.compile(List.of(FlowFilter.newBuilder().addHttpStatusCode("4xx").build()), List.of()))
                .hasMessageContaining("http_status_code");
        assertThatThrownBy(() -> FlowFilters.compile(List.of(FlowFilter.newBuilder().addHttpPath("(").build()), List.of()))
                .hasMessageContaining("http_path");
        assertThatThrownBy(() -> FlowFilters.compile(List.of(FlowFilter.newBuilder().addSourceIp("10.0.0.300").build()), List.of()))
                .hasMessageContaining("source_ip");
    }

    @Test
    void getFlows_lastAndFirstN_andTheReaderIsToldWhatItLost() throws Exception {
        Observer o = new Observer("node-1", parser, new FlowBuffer(8, 1 << 20), new HubbleMetrics());
        for (int i = 0; i < 6; i++) {
            o.datapathEvent(event(DatapathEvent.TRACE, 0, 0, 0, XWING, 1000 + i, DEATHSTAR, 80, 0x02), i * 1_000_000_000L);
        }
        assertThat(ports(collect(o, GetFlowsRequest.newBuilder().setNumber(2).build()))).containsExactly(1004, 1005);
        assertThat(ports(collect(o, GetFlowsRequest.newBuilder().setNumber(2).setFirst(true).build()))).containsExactly(1000, 1001);

        // A reader slower than the writers: while it holds its first flow, 20 more arrive.
        List<GetFlowsResponse> got = new ArrayList<>();
        o.getFlows(GetFlowsRequest.getDefaultInstance(), new HubbleStreams.FlowSink() {
            public void send(GetFlowsResponse r) {
                if (got.isEmpty()) {
                    for (int i = 0; i < 20; i++) {
                        o.datapathEvent(event(DatapathEvent.TRACE, 0, 0, 0, XWING, 2000 + i, DEATHSTAR, 80, 0x02), 0);
                    }
                }
                got.add(r);
            }

            public boolean cancelled() {
                return false;
            }
        });
        assertThat(got.get(1).hasLostEvents()).isTrue();
        assertThat(got.get(1).getLostEvents().getSource()).isEqualTo(LostEventSource.HUBBLE_RING_BUFFER);
        long lost = got.get(1).getLostEvents().getNumEventsLost();
        assertThat(lost + got.stream().filter(GetFlowsResponse::hasFlow).count()).as("every flow read or counted lost")
                .isEqualTo(6);

        o.lost(LostEventSource.PERF_EVENT_RING_BUFFER, 7);
        assertThat(collect(o, GetFlowsRequest.getDefaultInstance())).anyMatch(r -> r.hasLostEvents()
                && r.getLostEvents().getSource() == LostEventSource.PERF_EVENT_RING_BUFFER && r.getLostEvents().getNumEventsLost() == 7);
    }

    private static List<GetFlowsResponse> collect(Observer o, GetFlowsRequest req) throws InterruptedException {
        List<GetFlowsResponse> out = new ArrayList<>();
        o.getFlows(req, new HubbleStreams.FlowSink() {
            public void send(GetFlowsResponse r) {
                out.add(r);
            }

            public boolean cancelled() {
                return false;
            }
        });
        return out;
    }

    private static List<Integer> ports(List<GetFlowsResponse> rs) {
        return rs.stream().filter(GetFlowsResponse::hasFlow).map(r -> r.getFlow().getL4().getTCP().getSourcePort()).toList();
    }

    private static boolean pass(FlowFilter f, Flow flow) {
        return FlowFilters.compile(List.of(f), List.of()).test(flow);
    }

    static L7Record l7(boolean forwarded, int status) {
        return new L7Record(5_000_000_000L, "ingress", "10.200.0.4:41000", "10.200.0.2:80", "POST",
                "http://deathstar.default.svc.cluster.local/v1/request-landing", "HTTP/1.1", status, 2_000_000, forwarded,
                "req-1", List.of(new L7Record.Header("X-Request-Id", "req-1"), new L7Record.Header("user-agent", "curl/8"),
                new L7Record.Header("accept", "*/*")), List.of(new L7Record.Header("content-type", "text/plain")));
    }

    /** A ring-buffer record with an Ethernet + IPv4 + TCP head. */
    static DatapathEvent event(int type, int subtype, int direction, int flags, int src, int sport, int dst, int dport, int tcpFlags) {
        ByteBuffer p = ByteBuffer.allocate(54);
        p.put(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}).putShort((short) 0x0800);
        p.put((byte) 0x45).put((byte) 0).putShort((short) 40).putInt(0).put((byte) 64).put((byte) 6).putShort((short) 0)
                .putInt(src).putInt(dst);
        p.putShort((short) sport).putShort((short) dport).putInt(1).putInt(0).put((byte) 0x50).put((byte) tcpFlags)
                .putShort((short) 1024).putInt(0);
        boolean allowed = type == DatapathEvent.POLICY_VERDICT && subtype == 1;
        return new DatapathEvent(type, type == DatapathEvent.POLICY_VERDICT ? 0 : subtype, direction, 0, 2, 7, 258, 256, 54, 0,
                flags | (allowed ? DatapathEvent.F_ALLOWED : 0), 0, p.array());
    }

    static Endpoint endpoint(String name, int id, int identity, int address, Map<String, String> labels) {
        return new Endpoint("default", name, id, identity, Labels.ofPod("default", labels), address, Map.of(), true);
    }

    static int ip(String s) {
        return Cidr.parse(s).orElseThrow().address();
    }
}
