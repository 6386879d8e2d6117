package io.sluice.agent.bpf;

import io.sluice.policy.Cidr;
import io.sluice.api.node.EventView;
import io.sluice.bpf.datapath.DatapathEvent;


/** Decodes a datapath event and the packet head it carries into a readable view. */
final class EventViews {
    private EventViews() {}

    static EventView of(long seq, long timeNanos, DatapathEvent e) {
        byte[] p = e.packet();
        String src = "", dst = "", proto = "", flags = "";
        if (p.length >= 34 && (p[12] & 0xff) == 0x08 && p[13] == 0) {
            int ihl = (p[14] & 0x0f) * 4;
            int protoNum = p[23] & 0xff;
            String sa = Cidr.format(int32(p, 26)), da = Cidr.format(int32(p, 30));
            int l4 = 14 + ihl;
            proto = switch (protoNum) { case 6 -> "TCP"; case 17 -> "UDP"; case 1 -> "ICMP"; case 132 -> "SCTP"; default -> "proto " + protoNum; };
            if ((protoNum == 6 || protoNum == 17) && p.length >= l4 + 4) {
                sa += ":" + int16(p, l4);
                da += ":" + int16(p, l4 + 2);
            }
            if (protoNum == 6 && p.length >= l4 + 14) {
                flags = tcpFlags(p[l4 + 13] & 0xff);
            }
            src = sa;
            dst = da;
        }
        String type = switch (e.type()) {
            case DatapathEvent.DROP -> "drop";
            case DatapathEvent.TRACE -> "trace";
            case DatapathEvent.POLICY_VERDICT -> "policy-verdict";
            default -> "type " + e.type();
        };
        String detail = switch (e.type()) {
            case DatapathEvent.DROP -> DropReasons.describe(e.subtype());
            case DatapathEvent.TRACE -> switch (e.subtype()) { case 0 -> "to-endpoint"; case 1 -> "to-proxy"; case 5 -> "from-endpoint"; default -> "point " + e.subtype(); };
            case DatapathEvent.POLICY_VERDICT -> "policy-verdict:" + matchType(e.matchType()) + " "
                    + (e.direction() == 0 ? "INGRESS" : "EGRESS") + " " + (e.allowed() ? "ALLOWED" : "DENIED");
            default -> "";
        };
        String summary = String.format("%s %s -> %s %s%s", detail, src, dst, proto, flags.isEmpty() ? "" : " " + flags);
        return new EventView(seq, timeNanos, type, e.subtype(), detail, e.endpointId(), e.srcIdentity(),
                e.dstIdentity(), src, dst, proto, flags, summary);
    }

    static String matchType(int m) {
        return io.sluice.api.hubble.HubbleNames.matchType(m);
    }

    static String tcpFlags(int f) {
        return io.sluice.api.hubble.HubbleNames.tcpFlags(f);
    }

    private static int int16(byte[] p, int o) {
        return ((p[o] & 0xff) << 8) | (p[o + 1] & 0xff);
    }

    private static int int32(byte[] p, int o) {
        return (int16(p, o) << 16) | int16(p, o + 2);
    }
}
