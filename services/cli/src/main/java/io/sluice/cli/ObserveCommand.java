package io.sluice.cli;

import com.google.protobuf.Timestamp;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.sluice.api.hubble.HubbleChannels;
import io.sluice.api.hubble.TlsFailures;
import io.sluice.api.hubble.HubbleNames;
import io.sluice.api.hubble.flow.EventTypeFilter;
import io.sluice.api.hubble.flow.HTTPHeader;
import io.sluice.api.hubble.flow.TCPFlags;
import io.sluice.api.hubble.flow.TrafficDirection;
import io.sluice.api.hubble.flow.Verdict;
import io.sluice.api.hubble.observer.GetFlowsRequest;
import io.sluice.api.hubble.observer.GetFlowsResponse;
import io.sluice.api.hubble.observer.ObserverGrpc;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sluice observe}: Hubble's {@code hubble observe}, same flags and output, against the
 * relay (or any Hubble Observer API). Filter flags are applied in the order given, so
 * {@code --not} negates exactly the flag after it.
 */
@Command(name = "observe", sortOptions = false,
        description = "Observe flows (Hubble's 'hubble observe'): filters, selectors and output formats as Hubble's.")
class ObserveCommand implements Callable<Integer> {
    static final Map<String, Integer> EVENT_TYPES = Map.of("drop", 1, "debug", 2, "capture", 3, "trace", 4,
            "policy-verdict", 5, "trace-sock", 7, "l7", 129, "agent", 130);
    static final List<String> TRACE_POINTS = List.of("to-endpoint", "to-proxy", "to-host", "to-stack", "to-overlay",
            "from-endpoint", "from-proxy", "from-host", "from-stack", "from-overlay", "from-network", "to-network");

    private final FilterTracker filters = new FilterTracker();

    @picocli.CommandLine.Mixin
    TlsOptions tlsOptions = new TlsOptions();
    @Option(names = "--server", defaultValue = "${env:HUBBLE_SERVER:-localhost:4245}",
            description = "Hubble API address: host:port or unix:///path (default ${DEFAULT-VALUE}).")
    String server;
    @Option(names = {"-o", "--output"}, defaultValue = "compact", description = "compact, dict, json, jsonpb or table.")
    String output;
    @Option(names = "--last", defaultValue = "0", description = "The last N flows (20 when nothing else selects).")
    long last;
    @Option(names = "--first", defaultValue = "0", description = "The first N flows in the buffer.")
    long firstN;
    @Option(names = "--all", description = "All flows in the buffer.")
    boolean all;
    @Option(names = {"-f", "--follow"}, description = "Keep printing new flows.")
    boolean follow;
    @Option(names = "--since", description = "Flows since this time: RFC 3339 or a duration ago (5m, 1h30m).")
    String since;
    @Option(names = "--until", description = "Flows until this time: RFC 3339 or a duration ago.")
    String until;
    @Option(names = "--print-raw-filters", description = "Print the filters sent to the server as JSON and exit.")
    boolean printFilters;

    @Option(names = "--not", arity = "0", description = "Negate the next filter flag.")
    void not(boolean v) {
        filters.not();
    }

    @Option(names = "--from-pod", description = "Source pod: [namespace/][name prefix].")
    void fromPod(String v) { filters.both(f -> f.addSourcePod(v)); }

    @Option(names = "--to-pod", description = "Destination pod: [namespace/][name prefix].")
    void toPod(String v) { filters.both(f -> f.addDestinationPod(v)); }

    @Option(names = "--pod", description = "Source or destination pod.")
    void pod(String v) { filters.either(f -> f.addSourcePod(v), f -> f.addDestinationPod(v)); }

    @Option(names = "--from-namespace", description = "Source namespace.")
    void fromNamespace(String v) { filters.both(f -> f.addSourcePod(v + "/")); }

    @Option(names = "--to-namespace", description = "Destination namespace.")
    void toNamespace(String v) { filters.both(f -> f.addDestinationPod(v + "/")); }

    @Option(names = {"-n", "--namespace"}, description = "Source or destination namespace.")
    void namespace(String v) { filters.either(f -> f.addSourcePod(v + "/"), f -> f.addDestinationPod(v + "/")); }

    @Option(names = "--from-ip", description = "Source IP or CIDR.")
    void fromIp(String v) { filters.both(f -> f.addSourceIp(v)); }

    @Option(names = "--to-ip", description = "Destination IP or CIDR.")
    void toIp(String v) { filters.both(f -> f.addDestinationIp(v)); }

    @Option(names = "--ip", description = "Source or destination IP or CIDR.")
    void ip(String v) { filters.either(f -> f.addSourceIp(v), f -> f.addDestinationIp(v)); }

    @Option(names = "--from-fqdn", description = "Source FQDN (wildcards allowed).")
    void fromFqdn(String v) { filters.both(f -> f.addSourceFqdn(v)); }

    @Option(names = "--to-fqdn", description = "Destination FQDN (wildcards allowed).")
    void toFqdn(String v) { filters.both(f -> f.addDestinationFqdn(v)); }

    @Option(names = "--fqdn", description = "Source or destination FQDN.")
    void fqdn(String v) { filters.either(f -> f.addSourceFqdn(v), f -> f.addDestinationFqdn(v)); }

    @Option(names = "--from-label", description = "Source label selector.")
    void fromLabel(String v) { filters.both(f -> f.addSourceLabel(v)); }

    @Option(names = "--to-label", description = "Destination label selector.")
    void toLabel(String v) { filters.both(f -> f.addDestinationLabel(v)); }

    @Option(names = {"-l", "--label"}, description = "Source or destination label selector.")
    void label(String v) { filters.either(f -> f.addSourceLabel(v), f -> f.addDestinationLabel(v)); }

    @Option(names = "--from-service", description = "Source service: [namespace/][name prefix].")
    void fromService(String v) { filters.both(f -> f.addSourceService(v)); }

    @Option(names = "--to-service", description = "Destination service: [namespace/][name prefix].")
    void toService(String v) { filters.both(f -> f.addDestinationService(v)); }

    @Option(names = "--service", description = "Source or destination service.")
    void service(String v) { filters.either(f -> f.addSourceService(v), f -> f.addDestinationService(v)); }

    @Option(names = "--from-port", description = "Source port.")
    void fromPort(String v) { filters.both(f -> f.addSourcePort(v)); }

    @Option(names = "--to-port", description = "Destination port.")
    void toPort(String v) { filters.both(f -> f.addDestinationPort(v)); }

    @Option(names = "--port", description = "Source or destination port.")
    void port(String v) { filters.either(f -> f.addSourcePort(v), f -> f.addDestinationPort(v)); }

    @Option(names = "--from-identity", description = "Source identity (number or reserved name).")
    void fromIdentity(String v) { int id = parseIdentity(v); filters.both(f -> f.addSourceIdentity(id)); }

    @Option(names = "--to-identity", description = "Destination identity (number or reserved name).")
    void toIdentity(String v) { int id = parseIdentity(v); filters.both(f -> f.addDestinationIdentity(id)); }

    @Option(names = "--identity", description = "Source or destination identity.")
    void identity(String v) {
        int id = parseIdentity(v);
        filters.either(f -> f.addSourceIdentity(id), f -> f.addDestinationIdentity(id));
    }

    @Option(names = "--verdict", description = "FORWARDED, DROPPED, ERROR, AUDIT, REDIRECTED, TRACED, TRANSLATED.")
    void verdict(String v) {
        Verdict verdict;
        try {
            verdict = Verdict.valueOf(v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CliException("--verdict: unknown verdict '" + v + "'");
        }
        filters.both(f -> f.addVerdict(verdict));
    }

    @Option(names = "--http-status", description = "HTTP status code or prefix (404, 4+, 40+).")
    void httpStatus(String v) { filters.both(f -> f.addHttpStatusCode(v)); }

    @Option(names = "--http-method", description = "HTTP method.")
    void httpMethod(String v) { filters.both(f -> f.addHttpMethod(v)); }

    @Option(names = "--http-path", description = "HTTP path regular expression (RE2).")
    void httpPath(String v) { filters.both(f -> f.addHttpPath(v)); }

    @Option(names = "--http-url", description = "HTTP URL regular expression (RE2).")
    void httpUrl(String v) { filters.both(f -> f.addHttpUrl(v)); }

    @Option(names = "--http-header", description = "HTTP header key:value.")
    void httpHeader(String v) {
        int colon = v.indexOf(':');
        if (colon <= 0) {
            throw new CliException("--http-header: '" + v + "' is not key:value");
        }
        HTTPHeader h = HTTPHeader.newBuilder().setKey(v.substring(0, colon)).setValue(v.substring(colon + 1)).build();
        filters.both(f -> f.addHttpHeader(h));
    }

    @Option(names = "--protocol", description = "L4 or L7 protocol: tcp, udp, sctp, icmp, icmpv4, icmpv6, dns, http, kafka.")
    void protocol(String v) { filters.both(f -> f.addProtocol(v)); }

    @Option(names = {"-t", "--type"}, description = "Event type, with an optional sub-type: trace:to-proxy, drop, policy-verdict, l7.")
    void type(String v) {
        EventTypeFilter t = eventType(v);
        filters.both(f -> f.addEventType(t));
    }

    @Option(names = "--traffic-direction", description = "ingress or egress.")
    void trafficDirection(String v) {
        TrafficDirection d = switch (v.toLowerCase(Locale.ROOT)) {
            case "ingress" -> TrafficDirection.INGRESS;
            case "egress" -> TrafficDirection.EGRESS;
            default -> throw new CliException("--traffic-direction: '" + v + "' is not ingress or egress");
        };
        filters.both(f -> f.addTrafficDirection(d));
    }

    @Option(names = "--tcp-flags", description = "TCP flags that must all be set: SYN,ACK …")
    void tcpFlags(String v) {
        TCPFlags.Builder t = TCPFlags.newBuilder();
        for (String flag : v.split(",")) {
            switch (flag.trim().toUpperCase(Locale.ROOT)) {
                case "SYN" -> t.setSYN(true);
                case "ACK" -> t.setACK(true);
                case "RST" -> t.setRST(true);
                case "FIN" -> t.setFIN(true);
                case "PSH" -> t.setPSH(true);
                case "URG" -> t.setURG(true);
                case "ECE" -> t.setECE(true);
                case "CWR" -> t.setCWR(true);
                case "NS" -> t.setNS(true);
                default -> throw new CliException("--tcp-flags: unknown flag '" + flag + "'");
            }
        }
        TCPFlags flags = t.build();
        filters.both(f -> f.addTcpFlags(flags));
    }

    @Option(names = "--node-name", description = "Node name pattern (wildcards allowed).")
    void nodeName(String v) { filters.both(f -> f.addNodeName(v)); }

    static EventTypeFilter eventType(String v) {
        String name = v, sub = null;
        int colon = v.indexOf(':');
        if (colon >= 0) {
            name = v.substring(0, colon);
            sub = v.substring(colon + 1);
        }
        Integer type = EVENT_TYPES.get(name);
        if (type == null) {
            try {
                type = Integer.parseInt(name);
            } catch (NumberFormatException e) {
                throw new CliException("--type: unknown event type '" + name + "' (one of " + String.join(", ",
                        EVENT_TYPES.keySet().stream().sorted().toList()) + ")");
            }
        }
        EventTypeFilter.Builder b = EventTypeFilter.newBuilder().setType(type);
        if (sub != null) {
            int s = type == 4 ? TRACE_POINTS.indexOf(sub) : -1;
            if (s < 0) {
                try {
                    s = Integer.parseInt(sub);
                } catch (NumberFormatException e) {
                    throw new CliException("--type: unknown sub-type '" + sub + "' of " + name
                            + (type == 4 ? " (one of " + String.join(", ", TRACE_POINTS) + ")" : ""));
                }
            }
            b.setMatchSubType(true).setSubType(s);
        }
        return b.build();
    }

    static int parseIdentity(String v) {
        for (int id = 0; id < 11; id++) {
            if (HubbleNames.reservedIdentity(id).equals(v)) {
                return id;
            }
        }
        try {
            return Integer.parseUnsignedInt(v);
        } catch (NumberFormatException e) {
            throw new CliException("--identity: '" + v + "' is not an identity number or a reserved name");
        }
    }

    GetFlowsRequest request() {
        GetFlowsRequest.Builder r = GetFlowsRequest.newBuilder().addAllWhitelist(filters.whitelist())
                .addAllBlacklist(filters.blacklist()).setFollow(follow);
        if (since != null) {
            r.setSince(time("--since", since));
        }
        if (until != null) {
            r.setUntil(time("--until", until));
        }
        if (firstN > 0) {
            r.setFirst(true).setNumber(firstN);
        } else if (all) {
            r.setNumber(Long.MAX_VALUE);
        } else if (last > 0) {
            r.setNumber(last);
        } else if (!follow && since == null && until == null) {
            r.setNumber(20);
        }
        return r.build();
    }

    static Timestamp time(String flag, String v) {
        Instant t;
        try {
            t = Instant.parse(v);
        } catch (DateTimeParseException e) {
            try {
                t = Instant.now().minus(Duration.parse("PT" + v.toUpperCase(Locale.ROOT)));
            } catch (DateTimeParseException e2) {
                throw new CliException(flag + ": '" + v + "' is neither an RFC 3339 time nor a duration (5m, 1h30m)");
            }
        }
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    @Override
    public Integer call() throws Exception {
        FlowPrinter printer = new FlowPrinter(FlowPrinter.parse(output), System.out, System.err, follow);
        GetFlowsRequest req = request();
        if (printFilters) {
            System.out.println(com.google.protobuf.util.JsonFormat.printer().preservingProtoFieldNames().print(req));
            return 0;
        }
        ManagedChannel channel;
        try {
            channel = HubbleChannels.open(tlsOptions.target(server), tlsOptions.tls(server));
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new CliException(e.getMessage());
        }
        try (Context.CancellableContext ctx = Context.current().withCancellation()) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> ctx.cancel(null)));
            ctx.call(() -> {
                Iterator<GetFlowsResponse> it = ObserverGrpc.newBlockingStub(channel).getFlows(req);
                while (it.hasNext()) {
                    printer.print(it.next());
                    if (follow) {
                        System.out.flush();
                    }
                }
                return null;
            });
            printer.finish();
            return 0;
        } catch (StatusRuntimeException e) {
            throw new CliException(describe(e, server));
        } finally {
            channel.shutdownNow();
        }
    }

    /** A gRPC failure as one sentence: the server's own message for a refused request. */
    static String describe(StatusRuntimeException e, String server) {
        java.util.Optional<String> tls = TlsFailures.describe(e);
        if (tls.isPresent()) {
            return "Hubble API at " + server + ": " + tls.get();
        }
        return switch (e.getStatus().getCode()) {
            case UNAVAILABLE -> "cannot reach the Hubble API at " + server + " (is the node up? 'sluice status'; a TLS server"
                    + " needs --tls or tls://): " + e.getStatus().getDescription();
            case INVALID_ARGUMENT -> "invalid request: " + e.getStatus().getDescription();
            default -> e.getStatus().getCode() + ": " + e.getStatus().getDescription();
        };
    }
}
