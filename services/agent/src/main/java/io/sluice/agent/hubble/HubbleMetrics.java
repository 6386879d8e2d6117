package io.sluice.agent.hubble;

import io.sluice.api.hubble.flow.Flow;
import io.sluice.api.hubble.flow.L7FlowType;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Hubble's Prometheus metrics, with Hubble's names and labels: flows processed, drops, HTTP
 * requests and their duration, lost events. Counting is lock-free; {@link #exposition()}
 * renders the text format as Hubble's Go client does: bucket bounds in their shortest form
 * ({@code le="1"}, not {@code "1.0"}), label values escaped (a request's method is the client's to choose).
 */
public final class HubbleMetrics {
    /** hubble_http_request_duration_seconds buckets, Hubble's. */
    static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final ConcurrentHashMap<String, LongAdder> flows = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> drops = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> lost = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Histogram> durations = new ConcurrentHashMap<>();

    private static final class Histogram {
        final LongAdder[] buckets = new LongAdder[BUCKETS.length];
        final LongAdder count = new LongAdder();
        final java.util.concurrent.atomic.DoubleAdder sum = new java.util.concurrent.atomic.DoubleAdder();

        Histogram() {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }

        void observe(double v) {
            for (int i = 0; i < BUCKETS.length; i++) {
                if (v <= BUCKETS[i]) {
                    buckets[i].increment();
                }
            }
            count.increment();
            sum.add(v);
        }
    }

    public void flow(Flow f) {
        String type = switch (f.getType()) {
            case L7 -> "L7";
            case SOCK -> "Sock";
            default -> switch (f.getEventType().getType()) {
                case FlowParser.TYPE_DROP -> "Drop";
                case FlowParser.TYPE_TRACE -> "Trace";
                case FlowParser.TYPE_POLICY_VERDICT -> "PolicyVerdict";
                default -> "Unknown";
            };
        };
        String subtype = switch (type) {
            case "Trace" -> io.sluice.api.hubble.HubbleNames.observationPoint(f.getTraceObservationPoint());
            case "L7" -> "HTTP";
            default -> "";
        };
        String protocol = protocol(f);
        count(flows, labels("protocol", protocol, "subtype", subtype, "type", type, "verdict", f.getVerdict().name()));
        if (f.getVerdict() == io.sluice.api.hubble.flow.Verdict.DROPPED && f.getType() != io.sluice.api.hubble.flow.FlowType.L7) {
            count(drops, labels("protocol", protocol, "reason", f.getDropReasonDesc().name()));
        }
        if (f.getL7().hasHttp()) {
            var http = f.getL7().getHttp();
            String reporter = f.getTrafficDirection() == io.sluice.api.hubble.flow.TrafficDirection.EGRESS ? "client" : "server";
            if (f.getL7().getType() == L7FlowType.RESPONSE) {
                count(requests, labels("method", http.getMethod(), "protocol", http.getProtocol(), "reporter", reporter,
                        "status", Integer.toString(http.getCode())));
                durations.computeIfAbsent(labels("method", http.getMethod(), "reporter", reporter),
                        k -> new Histogram()).observe(f.getL7().getLatencyNs() / 1e9);
            }
        }
    }

    public void lost(String source, long n) {
        lost.computeIfAbsent(labels("source", source), k -> new LongAdder()).add(n);
    }

    /** name="value" pairs, the values escaped as the text format wants (backslash, quote, newline). */
    static String labels(String... namesAndValues) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (i > 0) {
                b.append(',');
            }
            b.append(namesAndValues[i]).append("=\"").append(namesAndValues[i + 1].replace("\\", "\\\\")
                    .replace("\"", "\\\"").replace("\n", "\\n")).append('"');
        }
        return b.toString();
    }

    /** A bucket bound as Go's strconv.FormatFloat(v, 'g', -1, 64) writes it here: 0.005, 1, 2.5, 10. */
    static String bound(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    private static void count(ConcurrentHashMap<String, LongAdder> m, String labels) {
        m.computeIfAbsent(labels, k -> new LongAdder()).increment();
    }

    private static String protocol(Flow f) {
        if (f.getL7().hasHttp()) {
            return "HTTP";
        }
        return switch (f.getL4().getProtocolCase()) {
            case TCP -> "TCP";
            case UDP -> "UDP";
            case ICMPV4 -> "ICMPv4";
            case ICMPV6 -> "ICMPv6";
            case SCTP -> "SCTP";
            default -> "Unknown";
        };
    }

    /** The Prometheus text exposition format (version 0.0.4). */
    public String exposition() {
        StringBuilder b = new StringBuilder();
        counter(b, "hubble_flows_processed_total", "Total number of flows processed", flows);
        counter(b, "hubble_drop_total", "Number of drops", drops);
        counter(b, "hubble_http_requests_total", "Count of HTTP requests", requests);
        b.append("# HELP hubble_http_request_duration_seconds Quantiles of HTTP request duration in seconds\n");
        b.append("# TYPE hubble_http_request_duration_seconds histogram\n");
        new TreeMap<>(durations).forEach((labels, h) -> {
            for (int i = 0; i < BUCKETS.length; i++) {
                b.append("hubble_http_request_duration_seconds_bucket{").append(labels).append(",le=\"").append(bound(BUCKETS[i]))
                        .append("\"} ").append(h.buckets[i].sum()).append('\n');
            }
            b.append("hubble_http_request_duration_seconds_bucket{").append(labels).append(",le=\"+Inf\"} ")
                    .append(h.count.sum()).append('\n');
            b.append("hubble_http_request_duration_seconds_sum{").append(labels).append("} ").append(h.sum.sum()).append('\n');
            b.append("hubble_http_request_duration_seconds_count{").append(labels).append("} ").append(h.count.sum()).append('\n');
        });
        counter(b, "hubble_lost_events_total", "Number of lost events", lost);
        return b.toString();
    }

    private static void counter(StringBuilder b, String name, String help, Map<String, LongAdder> values) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(" counter\n");
        new TreeMap<>(values).forEach((labels, v) -> b.append(name).append('{').append(labels).append("} ").append(v.sum()).append('\n'));
    }
}
