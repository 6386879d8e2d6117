package io.sluice.api.hubble;

import io.sluice.api.hubble.flow.TraceObservationPoint;

import java.util.Locale;

/**
 * The words Hubble prints for numbers and enums, shared by the
 * servers (metrics, summaries) and the CLI (output).
 */
public final class HubbleNames {
    /** The server version sent in the {@code hubble-server-version} header and in ServerStatus. */
    public static final String VERSION = "1.18.0+sluice.0.1.0";

    private static final String[] RESERVED = {"unknown", "host", "world", "unmanaged", "health", "init", "remote-node",
            "kube-apiserver", "ingress", "world-ipv4", "world-ipv6"};

    private HubbleNames() {}

    /** The reserved name of an identity ({@code world}), or "" for an allocated one. */
    public static String reservedIdentity(long identity) {
        return identity >= 0 && identity < RESERVED.length ? RESERVED[(int) identity] : "";
    }

    /** {@code TO_PROXY} → {@code to-proxy}. */
    public static String observationPoint(TraceObservationPoint p) {
        return p.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Policy match types of policy-verdict events. */
    public static String matchType(int m) {
        return switch (m) {
            case 1 -> "L3-Only";
            case 2 -> "L3-L4";
            case 3 -> "L4-Only";
            case 4 -> "all";
            default -> "none";
        };
    }

    /** Drop reasons as Hubble prints them ({@code Policy denied}). */
    public static String dropReason(int code) {
        return switch (code) {
            case 132 -> "Invalid source ip";
            case 133 -> "Policy denied";
            case 178 -> "Socket lookup failed";
            case 158 -> "Service backend not found";
            case 181 -> "Policy denied by denylist";
            default -> "reason " + code;
        };
    }

    /** TCP flags (header bits, NS as 0x100) in Hubble's order: SYN, ACK, RST, FIN, PSH, URG, ECE, CWR, NS. */
    public static String tcpFlags(int f) {
        StringBuilder b = new StringBuilder(16);
        flag(b, f, 0x02, "SYN");
        flag(b, f, 0x10, "ACK");
        flag(b, f, 0x04, "RST");
        flag(b, f, 0x01, "FIN");
        flag(b, f, 0x08, "PSH");
        flag(b, f, 0x20, "URG");
        flag(b, f, 0x40, "ECE");
        flag(b, f, 0x80, "CWR");
        flag(b, f, 0x100, "NS");
        return b.toString();
    }

    /** The source or destination port of a flow's L4 header; 0 for protocols without ports. */
    public static int port(io.sluice.api.hubble.flow.Layer4 l4, boolean source) {
        return switch (l4.getProtocolCase()) {
            case TCP -> source ? l4.getTCP().getSourcePort() : l4.getTCP().getDestinationPort();
            case UDP -> source ? l4.getUDP().getSourcePort() : l4.getUDP().getDestinationPort();
            case SCTP -> source ? l4.getSCTP().getSourcePort() : l4.getSCTP().getDestinationPort();
            default -> 0;
        };
    }

    /** The header bits of a TCPFlags message. */
    public static int tcpFlagBits(io.sluice.api.hubble.flow.TCPFlags t) {
        return (t.getFIN() ? 0x01 : 0) | (t.getSYN() ? 0x02 : 0) | (t.getRST() ? 0x04 : 0) | (t.getPSH() ? 0x08 : 0)
                | (t.getACK() ? 0x10 : 0) | (t.getURG() ? 0x20 : 0) | (t.getECE() ? 0x40 : 0) | (t.getCWR() ? 0x80 : 0)
                | (t.getNS() ? 0x100 : 0);
    }

    private static void flag(StringBuilder b, int f, int bit, String name) {
        if ((f & bit) != 0) {
            if (!b.isEmpty()) {
                b.append(", ");
            }
            b.append(name);
        }
    }
}
