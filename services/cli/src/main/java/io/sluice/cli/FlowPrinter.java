package io.sluice.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.sluice.api.hubble.HubbleNames;
import io.sluice.api.hubble.flow.Flow;
import io.sluice.api.hubble.flow.Verdict;
import io.sluice.api.hubble.observer.GetFlowsResponse;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Hubble's observe output formats, as the hubble CLI prints them: compact, dict, table, json/jsonpb. */
final class FlowPrinter {
    enum Format { COMPACT, DICT, TABLE, JSON }

    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss.SSS", Locale.US)
            .withZone(ZoneId.systemDefault());
    private static final JsonFormat.Printer JSON = JsonFormat.printer().preservingProtoFieldNames()
            .omittingInsignificantWhitespace();
    private static final String[] TABLE_HEADER = {"TIMESTAMP", "SOURCE", "DESTINATION", "TYPE", "VERDICT", "SUMMARY"};

    private final Format format;
    private final PrintStream out, err;
    private final boolean streaming;
    private final List<String[]> rows = new ArrayList<>();
    private boolean first = true;

    FlowPrinter(Format format, PrintStream out, PrintStream err, boolean streaming) {
        this.format = format;
        this.out = out;
        this.err = err;
        this.streaming = streaming;
    }

    static Format parse(String output) {
        return switch (output) {
            case "compact" -> Format.COMPACT;
            case "dict" -> Format.DICT;
            case "table", "tab" -> Format.TABLE;
            case "json", "jsonpb" -> Format.JSON;
            default -> throw new CliException("invalid output format '" + output + "' (one of compact, dict, json, jsonpb, table)");
        };
    }

    private static final java.util.regex.Pattern HTML_ESCAPE = java.util.regex.Pattern.compile("(?<!\\\\)((?:\\\\\\\\)*)\\\\u00(3d|3c|3e|26|27)");

    /** protobuf's JSON printer escapes = < > & ' as unicode escapes; Hubble prints them plainly (jq reads both). */
    static String unescapeHtml(String json) {
        return HTML_ESCAPE.matcher(json).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(m.group(1)
                + (char) Integer.parseInt(m.group(2), 16)));
    }

    void print(GetFlowsResponse r) {
        if (format == Format.JSON) {
            try {
                out.println(unescapeHtml(JSON.print(r)));
            } catch (InvalidProtocolBufferException e) {
                throw new CliException("cannot print a flow as JSON: " + e.getMessage());
            }
            return;
        }
        switch (r.getResponseTypesCase()) {
            case FLOW -> flow(r.getFlow());
            case LOST_EVENTS -> err.printf("EVENTS LOST: %s %d%n", r.getLostEvents().getSource(),
                    r.getLostEvents().getNumEventsLost());
            case NODE_STATUS -> {
                var s = r.getNodeStatus();
                if (s.getStateChange() != io.sluice.api.hubble.relay.NodeState.NODE_CONNECTED) {
                    err.printf("Node %s: %s%s%n", String.join(", ", s.getNodeNamesList()), s.getStateChange(),
                            s.getMessage().isEmpty() ? "" : " (" + s.getMessage() + ")");
                }
            }
            default -> { }
        }
    }

    private void flow(Flow f) {
        String[] c = columns(f);
        switch (format) {
            case COMPACT -> out.println(compact(f));
            case DICT -> {
                if (!first) {
                    out.println("------------");
                }
                for (int i = 0; i < c.length; i++) {
                    out.printf("%11s: %s%n", TABLE_HEADER[i], c[i]);
                }
            }
            case TABLE -> {
                if (streaming) {
                    if (first) {
                        out.println(row(TABLE_HEADER, widths(List.<String[]>of(TABLE_HEADER))));
                    }
                    out.println(String.join("   ", c));
                } else {
                    rows.add(c);
                }
            }
            default -> { }
        }
        first = false;
    }

    /** Ends the output (a table is printed once all its rows are known). */
    void finish() {
        if (format == Format.TABLE && !rows.isEmpty()) {
            List<String[]> all = new ArrayList<>();
            all.add(TABLE_HEADER);
            all.addAll(rows);
            int[] w = widths(all);
            all.forEach(r -> out.println(row(r, w)));
        }
    }

    private static int[] widths(List<String[]> rows) {
        int[] w = new int[TABLE_HEADER.length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        return w;
    }

    private static String row(String[] r, int[] w) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < r.length; i++) {
            b.append(r[i]);
            if (i < r.length - 1) {
                b.append(" ".repeat(w[i] - r[i].length() + 3));
            }
        }
        return b.toString();
    }

    /** {@code TIME: SRC (ID) ARROW DST (ID) TYPE VERDICT (SUMMARY)}. */
    static String compact(Flow f) {
        String src = host(f, true) + " " + identity(f.getSource().getIdentity());
        String dst = host(f, false) + " " + identity(f.getDestination().getIdentity());
        String arrow = "->";
        if (!f.hasIsReply()) {
            arrow = "<>";
        } else if (f.getIsReply().getValue()) {
            String t = src;
            src = dst;
            dst = t;
            arrow = "<-";
        }
        return time(f) + ": " + src + " " + arrow + " " + dst + " " + type(f) + " " + verdict(f) + " (" + summary(f) + ")";
    }

    private static String[] columns(Flow f) {
        String src = host(f, true), dst = host(f, false);
        if (f.hasIsReply() && f.getIsReply().getValue()) {
            String t = src;
            src = dst;
            dst = t;
        }
        return new String[] {time(f), src, dst, type(f), verdict(f), summary(f)};
    }

    static String time(Flow f) {
        return TIME.format(Instant.ofEpochSecond(f.getTime().getSeconds(), f.getTime().getNanos()));
    }

    /** {@code ns/pod}, else {@code ns/service}, else the DNS names, else the IP; then {@code :port}. */
    static String host(Flow f, boolean source) {
        if (!f.hasIP()) {
            return "";
        }
        var ep = source ? f.getSource() : f.getDestination();
        var svc = source ? (f.hasSourceService() ? f.getSourceService() : null)
                : (f.hasDestinationService() ? f.getDestinationService() : null);
        List<String> names = source ? f.getSourceNamesList() : f.getDestinationNamesList();
        String host = source ? f.getIP().getSource() : f.getIP().getDestination();
        if (!ep.getPodName().isEmpty()) {
            host = ep.getNamespace() + "/" + ep.getPodName();
        } else if (svc != null && !svc.getName().isEmpty()) {
            host = svc.getNamespace() + "/" + svc.getName();
        } else if (!names.isEmpty()) {
            host = String.join(",", names);
        }
        int port = io.sluice.api.hubble.HubbleNames.port(f.getL4(), source);
        return port == 0 ? host : host + ":" + port;
    }


    static String identity(int id) {
        String reserved = HubbleNames.reservedIdentity(id);
        return reserved.isEmpty() ? "(ID:" + Integer.toUnsignedString(id) + ")" : "(" + reserved + ")";
    }

    static String type(Flow f) {
        if (f.hasL7()) {
            String proto = switch (f.getL7().getRecordCase()) {
                case HTTP -> "http";
                case DNS -> "dns";
                case KAFKA -> "kafka";
                default -> "l7";
            };
            return proto + "-" + f.getL7().getType().name().toLowerCase(Locale.ROOT);
        }
        return switch (f.getEventType().getType()) {
            case 4 -> HubbleNames.observationPoint(f.getTraceObservationPoint());
            case 1 -> HubbleNames.dropReason(f.getEventType().getSubType());
            case 5 -> "policy-verdict:" + HubbleNames.matchType(f.getPolicyMatchType()) + " " + f.getTrafficDirection().name();
            default -> "UNKNOWN";
        };
    }

    static String verdict(Flow f) {
        if (f.getEventType().getType() == 5 && !f.hasL7()) {
            return switch (f.getVerdict()) {
                case FORWARDED, REDIRECTED -> "ALLOWED";
                case AUDIT -> "AUDITED";
                default -> "DENIED";
            };
        }
        return f.getVerdict() == Verdict.UNRECOGNIZED ? "UNKNOWN" : f.getVerdict().name();
    }

    static String summary(Flow f) {
        if (f.getL7().hasHttp()) {
            var h = f.getL7().getHttp();
            return switch (f.getL7().getType()) {
                case RESPONSE -> h.getProtocol() + " " + h.getCode() + " " + f.getL7().getLatencyNs() / 1_000_000 + "ms ("
                        + h.getMethod() + " " + h.getUrl() + ")";
                default -> h.getProtocol() + " " + h.getMethod() + " " + h.getUrl();
            };
        }
        return switch (f.getL4().getProtocolCase()) {
            case TCP -> "TCP Flags: " + HubbleNames.tcpFlags(HubbleNames.tcpFlagBits(f.getL4().getTCP().getFlags()));
            case UDP -> "UDP";
            case ICMPV4 -> "ICMPv4 type " + f.getL4().getICMPv4().getType() + " code " + f.getL4().getICMPv4().getCode();
            case ICMPV6 -> "ICMPv6 type " + f.getL4().getICMPv6().getType() + " code " + f.getL4().getICMPv6().getCode();
            case SCTP -> "SCTP";
            default -> f.getSummary();
        };
    }
}
