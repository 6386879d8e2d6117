package io.sluice.agent.hubble;

import io.sluice.agent.bpf.DropReasons;

import com.google.protobuf.BoolValue;
import com.google.protobuf.util.Timestamps;
import io.sluice.agent.flow.L7Record;
import io.sluice.policy.Cidr;
import io.sluice.api.hubble.HubbleNames;
import io.sluice.api.hubble.flow.CiliumEventType;
import io.sluice.api.hubble.flow.Ethernet;
import io.sluice.api.hubble.flow.Flow;
import io.sluice.api.hubble.flow.FlowType;
import io.sluice.api.hubble.flow.HTTP;
import io.sluice.api.hubble.flow.HTTPHeader;
import io.sluice.api.hubble.flow.ICMPv4;
import io.sluice.api.hubble.flow.IP;
import io.sluice.api.hubble.flow.IPVersion;
import io.sluice.api.hubble.flow.L7FlowType;
import io.sluice.api.hubble.flow.Layer4;
import io.sluice.api.hubble.flow.Layer7;
import io.sluice.api.hubble.flow.NetworkInterface;
import io.sluice.api.hubble.flow.TCP;
import io.sluice.api.hubble.flow.TCPFlags;
import io.sluice.api.hubble.flow.TraceObservationPoint;
import io.sluice.api.hubble.flow.TrafficDirection;
import io.sluice.api.hubble.flow.UDP;
import io.sluice.api.hubble.flow.Verdict;
import io.sluice.bpf.datapath.DatapathEvent;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Datapath events and proxy access logs into Hubble flows, named with the current
 * {@link Directory}. Thread-safe: the ring-buffer reader and the access-log server call it.
 */
public final class FlowParser {
    /** Monitor event types, as Cilium numbers them. */
    public static final int TYPE_DROP = 1, TYPE_TRACE = 4, TYPE_POLICY_VERDICT = 5, TYPE_L7 = 129;

    private static final TCPFlags[] TCP_FLAGS = new TCPFlags[512];
    private static final BoolValue REPLY = BoolValue.of(true), NOT_REPLY = BoolValue.of(false);
    private static final ConcurrentHashMap<Integer, CiliumEventType> EVENT_TYPES = new ConcurrentHashMap<>();

    static {
        for (int f = 0; f < TCP_FLAGS.length; f++) {
            TCP_FLAGS[f] = TCPFlags.newBuilder().setFIN((f & 0x01) != 0).setSYN((f & 0x02) != 0).setRST((f & 0x04) != 0)
                    .setPSH((f & 0x08) != 0).setACK((f & 0x10) != 0).setURG((f & 0x20) != 0).setECE((f & 0x40) != 0)
                    .setCWR((f & 0x80) != 0).setNS((f & 0x100) != 0).build();
        }
    }

    private final String nodeName;
    private final Supplier<Directory> directory;
    private final ConcurrentHashMap<Integer, String> addresses = new ConcurrentHashMap<>();

    public FlowParser(String nodeName, Supplier<Directory> directory) {
        this.nodeName = nodeName;
        this.directory = directory;
    }

    /** A trace, drop or policy-verdict event; {@code timeNanos} is wall-clock. */
    public Flow parse(DatapathEvent e, long timeNanos) {
        Directory dir = directory.get();
        Flow.Builder f = Flow.newBuilder().setTime(Timestamps.fromNanos(timeNanos)).setNodeName(nodeName).setType(FlowType.L3_L4)
                .setEventType(eventType(e.type(), e.type() == DatapathEvent.POLICY_VERDICT ? 0 : e.subtype()))
                .setTrafficDirection(e.direction() == 0 ? TrafficDirection.INGRESS : TrafficDirection.EGRESS);
        if (e.ifindex() != 0) {
            f.setInterface(NetworkInterface.newBuilder().setIndex(e.ifindex()));
        }
        switch (e.type()) {
            case DatapathEvent.DROP -> f.setVerdict(Verdict.DROPPED).setDropReason(e.subtype()).setDropReasonDescValue(e.subtype());
            case DatapathEvent.POLICY_VERDICT -> f.setVerdict(e.allowed() ? Verdict.FORWARDED : Verdict.DROPPED)
                    .setPolicyMatchType(e.matchType());
            case DatapathEvent.TRACE -> f.setVerdict(Verdict.FORWARDED).setTraceObservationPoint(point(e.subtype()))
                    .setIsReply(e.reply() ? REPLY : NOT_REPLY).setReply(e.reply()).setProxyPort(e.proxyPort());
            default -> f.setVerdict(Verdict.VERDICT_UNKNOWN);
        }
        byte[] p = e.packet();
        if (p.length >= 34 && (p[12] & 0xff) == 0x08 && p[13] == 0) {
            f.setEthernet(Ethernet.newBuilder().setSource(mac(p, 6)).setDestination(mac(p, 0)));
            int ihl = (p[14] & 0x0f) * 4, proto = p[23] & 0xff, l4 = 14 + ihl;
            int saddr = int32(p, 26), daddr = int32(p, 30);
            f.setIP(IP.newBuilder().setSource(address(saddr)).setDestination(address(daddr)).setIpVersion(IPVersion.IPv4));
            int sport = 0, dport = 0;
            if ((proto == 6 || proto == 17) && p.length >= l4 + 4) {
                sport = int16(p, l4);
                dport = int16(p, l4 + 2);
            }
            StringBuilder summary = new StringBuilder(32);
            switch (proto) {
                case 6 -> {
                    int flags = p.length >= l4 + 14 ? (p[l4 + 13] & 0xff) | ((p[l4 + 12] & 0x01) << 8) : 0;
                    f.setL4(Layer4.newBuilder().setTCP(TCP.newBuilder().setSourcePort(sport).setDestinationPort(dport)
                            .setFlags(TCP_FLAGS[flags])));
                    summary.append("TCP Flags: ").append(HubbleNames.tcpFlags(flags));
                }
                case 17 -> {
                    f.setL4(Layer4.newBuilder().setUDP(UDP.newBuilder().setSourcePort(sport).setDestinationPort(dport)));
                    summary.append("UDP");
                }
                case 1 -> {
                    if (p.length >= l4 + 2) {
                        f.setL4(Layer4.newBuilder().setICMPv4(ICMPv4.newBuilder().setType(p[l4] & 0xff).setCode(p[l4 + 1] & 0xff)));
                    }
                    summary.append("ICMPv4");
                }
                default -> summary.append("IP protocol ").append(proto);
            }
            f.setSummary(summary.toString());
            // A forged source names someone else: the flow names the pod that really sent it.
            f.setSource(e.type() == DatapathEvent.DROP && e.subtype() == DropReasons.INVALID_SOURCE_IP
                    ? dir.endpointById(e.endpointId()).orElseGet(() -> dir.endpoint(saddr, e.srcIdentity()))
                    : dir.endpoint(saddr, e.srcIdentity()))
                    .setDestination(dir.endpoint(daddr, e.dstIdentity()));
            dir.service(saddr, sport).ifPresent(f::setSourceService);
            dir.service(daddr, dport).ifPresent(f::setDestinationService);
        } else {
            f.setSource(dir.endpoint(0, e.srcIdentity())).setDestination(dir.endpoint(0, e.dstIdentity()));
        }
        return f.build();
    }

    /**
     * An HTTP exchange as Hubble shows it: the request flow (DROPPED when the policy denied it)
     * and the response flow (source and destination swapped, is_reply set; for a denied
     * request the proxy's own 403, forwarded to the client).
     */
    public List<Flow> parse(L7Record r) {
        Directory dir = directory.get();
        HostPort client = HostPort.parse(r.source()), server = HostPort.parse(r.destination());
        TrafficDirection direction = r.direction().toLowerCase(Locale.ROOT).startsWith("egress")
                ? TrafficDirection.EGRESS : TrafficDirection.INGRESS;
        Verdict verdict = r.forwarded() ? Verdict.FORWARDED : Verdict.DROPPED;
        var clientEp = dir.endpoint(client.address(), identity(dir, client.address()));
        var serverEp = dir.endpoint(server.address(), identity(dir, server.address()));
        Flow.Builder request = l7Flow(r.timeNanos(), verdict, direction, client, server, false)
                .setSource(clientEp).setDestination(serverEp)
                .setL7(Layer7.newBuilder().setType(L7FlowType.REQUEST).setHttp(http(r, 0, r.requestHeaders(), "")))
                .setSummary(r.requestSummary());
        dir.service(server.address(), server.port()).ifPresent(request::setDestinationService);
        Flow.Builder response = l7Flow(r.timeNanos() + r.latencyNanos(), Verdict.FORWARDED, direction, server, client, true)
                .setSource(serverEp).setDestination(clientEp)
                .setL7(Layer7.newBuilder().setType(L7FlowType.RESPONSE).setLatencyNs(r.latencyNanos())
                        .setHttp(http(r, r.status(), r.responseHeaders(), r.requestId())))
                .setSummary(r.responseSummary());
        dir.service(server.address(), server.port()).ifPresent(response::setSourceService);
        return List.of(request.build(), response.build());
    }

    private Flow.Builder l7Flow(long timeNanos, Verdict verdict, TrafficDirection direction, HostPort src, HostPort dst,
                                boolean reply) {
        return Flow.newBuilder().setTime(Timestamps.fromNanos(timeNanos)).setNodeName(nodeName).setType(FlowType.L7)
                .setVerdict(verdict).setTrafficDirection(direction).setEventType(eventType(TYPE_L7, 0))
                .setIsReply(reply ? REPLY : NOT_REPLY).setReply(reply)
                .setIP(IP.newBuilder().setSource(address(src.address())).setDestination(address(dst.address()))
                        .setIpVersion(IPVersion.IPv4))
                .setL4(Layer4.newBuilder().setTCP(TCP.newBuilder().setSourcePort(src.port()).setDestinationPort(dst.port())));
    }

    /** The identity of an access log's peer: its pod's, host for the router, world for anything else. */
    private static int identity(Directory dir, int address) {
        return dir.endpoint(address, io.sluice.policy.Identity.WORLD).getIdentity();
    }

    private static HTTP http(L7Record r, int code, List<L7Record.Header> headers, String requestId) {
        List<HTTPHeader> out = new ArrayList<>(headers.size() + 1);
        boolean hasId = false;
        for (L7Record.Header h : headers) {
            String key = canonical(h.key());
            hasId |= key.equals("X-Request-Id");
            out.add(HTTPHeader.newBuilder().setKey(key).setValue(h.value()).build());
        }
        if (!hasId && !requestId.isEmpty()) {
            out.add(HTTPHeader.newBuilder().setKey("X-Request-Id").setValue(requestId).build());
        }
        out.sort(Comparator.comparing(HTTPHeader::getKey));
        return HTTP.newBuilder().setCode(code).setMethod(r.method()).setUrl(r.url()).setProtocol(r.protocol())
                .addAllHeaders(out).build();
    }

    /** Header names as Go's net/http prints them (Hubble's): {@code x-request-id} → {@code X-Request-Id}. */
    static String canonical(String key) {
        if (key.startsWith(":")) {
            return key;
        }
        char[] c = key.toLowerCase(Locale.ROOT).toCharArray();
        boolean upper = true;
        for (int i = 0; i < c.length; i++) {
            if (upper) {
                c[i] = Character.toUpperCase(c[i]);
            }
            upper = c[i] == '-';
        }
        return new String(c);
    }

    private static TraceObservationPoint point(int subtype) {
        return subtype == 0 ? TraceObservationPoint.TO_ENDPOINT
                : TraceObservationPoint.forNumber(subtype) == null ? TraceObservationPoint.UNKNOWN_POINT
                : TraceObservationPoint.forNumber(subtype);
    }

    static CiliumEventType eventType(int type, int subtype) {
        return EVENT_TYPES.computeIfAbsent(type << 8 | subtype,
                k -> CiliumEventType.newBuilder().setType(type).setSubType(subtype).build());
    }

    private String address(int a) {
        if (addresses.size() > 65536) {
            addresses.clear();
        }
        return addresses.computeIfAbsent(a, Cidr::format);
    }


    private static String mac(byte[] p, int o) {
        StringBuilder b = new StringBuilder(17);
        for (int i = 0; i < 6; i++) {
            if (i > 0) {
                b.append(':');
            }
            b.append(Character.forDigit((p[o + i] >> 4) & 0xf, 16)).append(Character.forDigit(p[o + i] & 0xf, 16));
        }
        return b.toString();
    }

    private static int int16(byte[] p, int o) {
        return ((p[o] & 0xff) << 8) | (p[o + 1] & 0xff);
    }

    private static int int32(byte[] p, int o) {
        return (int16(p, o) << 16) | int16(p, o + 2);
    }

    /** An "a.b.c.d:port" of an access log. */
    record HostPort(int address, int port) {
        static HostPort parse(String s) {
            int colon = s.lastIndexOf(':');
            String host = colon < 0 ? s : s.substring(0, colon);
            int port = colon < 0 ? 0 : Integer.parseInt(s.substring(colon + 1));
            return new HostPort(Cidr.parse(host).map(Cidr::address).orElse(0), port);
        }
    }
}
