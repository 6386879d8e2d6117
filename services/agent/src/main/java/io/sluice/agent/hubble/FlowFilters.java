package io.sluice.agent.hubble;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.sluice.policy.Cidr;
import io.sluice.api.hubble.flow.EventTypeFilter;
import io.sluice.api.hubble.flow.Flow;
import io.sluice.api.hubble.flow.FlowFilter;
import io.sluice.api.hubble.flow.HTTPHeader;
import io.sluice.api.hubble.flow.TCPFlags;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Hubble's flow filters, as Hubble applies them: inside one filter every set field must match,
 * values of one field are alternatives; a flow passes when it matches any whitelist filter
 * (or there is none) and no blacklist filter. Compiling checks every value, so a bad one is
 * refused up front with the field named ({@link InvalidFilter}), never half-applied.
 */
public final class FlowFilters {
    private static final Set<String> PROTOCOLS = Set.of("tcp", "udp", "sctp", "icmp", "icmpv4", "icmpv6", "dns", "http",
            "kafka");

    private FlowFilters() {}

    /** A filter value that cannot be used; the message names the field and the value. */
    public static final class InvalidFilter extends IllegalArgumentException {
        public InvalidFilter(String message) {
            super(message);
        }
    }

    public static Predicate<Flow> compile(List<FlowFilter> whitelist, List<FlowFilter> blacklist) {
        List<Predicate<Flow>> white = whitelist.stream().map(FlowFilters::compile).toList();
        List<Predicate<Flow>> black = blacklist.stream().map(FlowFilters::compile).toList();
        if (white.isEmpty() && black.isEmpty()) {
            return f -> true;
        }
        return f -> (white.isEmpty() || anyMatch(white, f)) && !anyMatch(black, f);
    }

    private static boolean anyMatch(List<Predicate<Flow>> filters, Flow f) {
        for (Predicate<Flow> p : filters) {
            if (p.test(f)) {
                return true;
            }
        }
        return false;
    }

    /** One filter: the conjunction of its set fields. */
    static Predicate<Flow> compile(FlowFilter ff) {
        List<Predicate<Flow>> all = new ArrayList<>();
        unsupported(ff);
        if (ff.getUuidCount() > 0) {
            all.add(f -> ff.getUuidList().contains(f.getUuid()));
        }
        addIps(all, "source_ip", ff.getSourceIpList(), f -> f.getIP().getSource());
        addIps(all, "destination_ip", ff.getDestinationIpList(), f -> f.getIP().getDestination());
        addNamed(all, ff.getSourcePodList(), f -> f.hasSource() ? f.getSource().getNamespace() : null,
                f -> f.getSource().getPodName());
        addNamed(all, ff.getDestinationPodList(), f -> f.hasDestination() ? f.getDestination().getNamespace() : null,
                f -> f.getDestination().getPodName());
        addNamed(all, ff.getSourceServiceList(), f -> f.hasSourceService() ? f.getSourceService().getNamespace() : null,
                f -> f.getSourceService().getName());
        addNamed(all, ff.getDestinationServiceList(),
                f -> f.hasDestinationService() ? f.getDestinationService().getNamespace() : null,
                f -> f.getDestinationService().getName());
        addGlobs(all, "source_fqdn", ff.getSourceFqdnList(), Flow::getSourceNamesList);
        addGlobs(all, "destination_fqdn", ff.getDestinationFqdnList(), Flow::getDestinationNamesList);
        addLabels(all, "source_label", ff.getSourceLabelList(), f -> f.getSource().getLabelsList());
        addLabels(all, "destination_label", ff.getDestinationLabelList(), f -> f.getDestination().getLabelsList());
        if (ff.getTrafficDirectionCount() > 0) {
            all.add(f -> ff.getTrafficDirectionList().contains(f.getTrafficDirection()));
        }
        if (ff.getVerdictCount() > 0) {
            all.add(f -> ff.getVerdictList().contains(f.getVerdict()));
        }
        if (ff.getDropReasonDescCount() > 0) {
            all.add(f -> ff.getDropReasonDescList().contains(f.getDropReasonDesc()));
        }
        if (ff.getInterfaceCount() > 0) {
            all.add(f -> ff.getInterfaceList().stream().anyMatch(i -> f.hasInterface()
                    && (i.getIndex() == 0 || i.getIndex() == f.getInterface().getIndex())
                    && (i.getName().isEmpty() || i.getName().equals(f.getInterface().getName()))));
        }
        if (ff.getEventTypeCount() > 0) {
            List<EventTypeFilter> types = ff.getEventTypeList();
            all.add(f -> types.stream().anyMatch(t -> t.getType() == f.getEventType().getType()
                    && (!t.getMatchSubType() || t.getSubType() == f.getEventType().getSubType())));
        }
        addStatusCodes(all, ff.getHttpStatusCodeList());
        addProtocols(all, ff.getProtocolList());
        addPorts(all, "source_port", ff.getSourcePortList(), true);
        addPorts(all, "destination_port", ff.getDestinationPortList(), false);
        if (ff.getReplyCount() > 0) {
            all.add(f -> f.hasIsReply() && ff.getReplyList().contains(f.getIsReply().getValue()));
        }
        addRegexes(all, "dns_query", ff.getDnsQueryList(), f -> f.getL7().hasDns() ? f.getL7().getDns().getQuery() : null);
        if (ff.getSourceIdentityCount() > 0) {
            all.add(f -> ff.getSourceIdentityList().contains(f.getSource().getIdentity()));
        }
        if (ff.getDestinationIdentityCount() > 0) {
            all.add(f -> ff.getDestinationIdentityList().contains(f.getDestination().getIdentity()));
        }
        if (ff.getHttpMethodCount() > 0) {
            List<String> methods = ff.getHttpMethodList();
            all.add(f -> f.getL7().hasHttp() && methods.stream().anyMatch(m -> m.equalsIgnoreCase(f.getL7().getHttp().getMethod())));
        }
        addRegexes(all, "http_path", ff.getHttpPathList(), f -> f.getL7().hasHttp() ? path(f.getL7().getHttp().getUrl()) : null);
        addRegexes(all, "http_url", ff.getHttpUrlList(), f -> f.getL7().hasHttp() ? f.getL7().getHttp().getUrl() : null);
        if (ff.getHttpHeaderCount() > 0) {
            List<HTTPHeader> wanted = ff.getHttpHeaderList();
            all.add(f -> f.getL7().hasHttp() && wanted.stream().anyMatch(w -> f.getL7().getHttp().getHeadersList().stream()
                    .anyMatch(h -> h.getKey().equalsIgnoreCase(w.getKey()) && h.getValue().equals(w.getValue()))));
        }
        if (ff.getTcpFlagsCount() > 0) {
            List<TCPFlags> wanted = ff.getTcpFlagsList();
            all.add(f -> f.getL4().hasTCP() && wanted.stream().anyMatch(w -> hasAll(f.getL4().getTCP().getFlags(), w)));
        }
        addGlobs(all, "node_name", ff.getNodeNameList().stream().map(n -> n.contains("/") ? n.substring(n.indexOf('/') + 1) : n)
                .toList(), f -> List.of(f.getNodeName()));
        if (ff.getIpVersionCount() > 0) {
            all.add(f -> ff.getIpVersionList().contains(f.getIP().getIpVersion()));
        }
        if (ff.getEncryptedCount() > 0) {
            all.add(f -> ff.getEncryptedList().contains(f.getIP().getEncrypted()));
        }
        return f -> {
            for (Predicate<Flow> p : all) {
                if (!p.test(f)) {
                    return false;
                }
            }
            return true;
        };
    }

    private static void unsupported(FlowFilter ff) {
        if (ff.getSourceWorkloadCount() > 0 || ff.getDestinationWorkloadCount() > 0) {
            throw new InvalidFilter("source_workload/destination_workload: workloads are not recorded by this server");
        }
        if (ff.getSourceClusterNameCount() > 0 || ff.getDestinationClusterNameCount() > 0) {
            throw new InvalidFilter("source_cluster_name/destination_cluster_name: cluster names are not recorded by this server");
        }
        if (ff.getTraceIdCount() > 0 || ff.getIpTraceIdCount() > 0) {
            throw new InvalidFilter("trace_id/ip_trace_id: trace ids are not recorded by this server");
        }
        if (ff.getNodeLabelsCount() > 0) {
            throw new InvalidFilter("node_labels: node labels are not recorded by this server");
        }
        if (ff.getSourceIpXlatedCount() > 0) {
            throw new InvalidFilter("source_ip_xlated: translated addresses are not recorded by this server");
        }
        if (ff.hasExperimental() && ff.getExperimental().getCelExpressionCount() > 0) {
            throw new InvalidFilter("experimental.cel_expression: CEL filters are not supported by this server");
        }
    }

    private static boolean hasAll(TCPFlags have, TCPFlags want) {
        return (!want.getFIN() || have.getFIN()) && (!want.getSYN() || have.getSYN()) && (!want.getRST() || have.getRST())
                && (!want.getPSH() || have.getPSH()) && (!want.getACK() || have.getACK()) && (!want.getURG() || have.getURG())
                && (!want.getECE() || have.getECE()) && (!want.getCWR() || have.getCWR()) && (!want.getNS() || have.getNS());
    }

    private static void addIps(List<Predicate<Flow>> all, String field, List<String> values, Function<Flow, String> ip) {
        if (values.isEmpty()) {
            return;
        }
        List<Cidr> cidrs = new ArrayList<>();
        for (String v : values) {
            cidrs.add(Cidr.parse(v).orElseThrow(() -> new InvalidFilter(field + ": '" + v + "' is not an IPv4 address or CIDR")));
        }
        all.add(f -> {
            String s = ip.apply(f);
            if (s.isEmpty()) {
                return false;
            }
            var a = Cidr.parse(s);
            return a.isPresent() && cidrs.stream().anyMatch(c -> c.contains(a.get()));
        });
    }

    /** {@code [namespace/][name-prefix]}: no slash means namespace default; {@code ns/} is the whole namespace. */
    private static void addNamed(List<Predicate<Flow>> all, List<String> values, Function<Flow, String> namespace,
                                 Function<Flow, String> name) {
        if (values.isEmpty()) {
            return;
        }
        List<String[]> wanted = values.stream().map(v -> {
            int slash = v.indexOf('/');
            return slash < 0 ? new String[] {"default", v} : new String[] {v.substring(0, slash), v.substring(slash + 1)};
        }).toList();
        all.add(f -> {
            String ns = namespace.apply(f);
            if (ns == null || ns.isEmpty()) {
                return false;
            }
            String n = name.apply(f);
            for (String[] w : wanted) {
                if (w[0].equals(ns) && n.startsWith(w[1])) {
                    return true;
                }
            }
            return false;
        });
    }

    private static void addGlobs(List<Predicate<Flow>> all, String field, List<String> patterns, Function<Flow, List<String>> names) {
        if (patterns.isEmpty()) {
            return;
        }
        List<Pattern> compiled = patterns.stream().map(p -> {
            if (p.isEmpty()) {
                throw new InvalidFilter(field + ": empty pattern");
            }
            StringBuilder re = new StringBuilder("^");
            for (String part : p.split("\\*", -1)) {
                if (re.length() > 1) {
                    re.append("[^.]*");
                }
                re.append(Pattern.quote(part));
            }
            return Pattern.compile(re.append("$").toString());
        }).toList();
        all.add(f -> names.apply(f).stream().anyMatch(n -> compiled.stream().anyMatch(c -> c.matches(n))));
    }

    private static void addRegexes(List<Predicate<Flow>> all, String field, List<String> values, Function<Flow, String> text) {
        if (values.isEmpty()) {
            return;
        }
        List<Pattern> compiled = new ArrayList<>();
        for (String v : values) {
            try {
                compiled.add(Pattern.compile(v));
            } catch (PatternSyntaxException e) {
                throw new InvalidFilter(field + ": '" + v + "' is not a valid RE2 regular expression: " + e.getDescription());
            }
        }
        all.add(f -> {
            String t = text.apply(f);
            return t != null && compiled.stream().anyMatch(p -> p.matcher(t).find());
        });
    }

    private static String path(String url) {
        try {
            String p = URI.create(url).getRawPath();
            return p == null ? "" : p;
        } catch (IllegalArgumentException e) {
            return url;
        }
    }

    /** {@code 404}, or a prefix {@code 4+} / {@code 40+}; matches responses only (requests carry no code). */
    private static void addStatusCodes(List<Predicate<Flow>> all, List<String> values) {
        if (values.isEmpty()) {
            return;
        }
        List<Predicate<String>> tests = new ArrayList<>();
        for (String v : values) {
            if (v.matches("[1-5][0-9]{2}")) {
                tests.add(v::equals);
            } else if (v.matches("[1-5][0-9]?\\+")) {
                String prefix = v.substring(0, v.length() - 1);
                tests.add(c -> c.startsWith(prefix));
            } else {
                throw new InvalidFilter("http_status_code: '" + v + "' is not a status code (e.g. 404) or a prefix (e.g. 4+, 40+)");
            }
        }
        all.add(f -> {
            if (!f.getL7().hasHttp() || f.getL7().getHttp().getCode() == 0) {
                return false;
            }
            String code = Integer.toString(f.getL7().getHttp().getCode());
            return tests.stream().anyMatch(t -> t.test(code));
        });
    }

    private static void addProtocols(List<Predicate<Flow>> all, List<String> values) {
        if (values.isEmpty()) {
            return;
        }
        List<String> wanted = new ArrayList<>();
        for (String v : values) {
            String p = v.toLowerCase(Locale.ROOT);
            if (!PROTOCOLS.contains(p)) {
                throw new InvalidFilter("protocol: unknown protocol '" + v + "' (one of tcp, udp, sctp, icmp, icmpv4, icmpv6, "
                        + "dns, http, kafka)");
            }
            wanted.add(p);
        }
        all.add(f -> wanted.stream().anyMatch(p -> switch (p) {
            case "tcp" -> f.getL4().hasTCP();
            case "udp" -> f.getL4().hasUDP();
            case "sctp" -> f.getL4().hasSCTP();
            case "icmp" -> f.getL4().hasICMPv4() || f.getL4().hasICMPv6();
            case "icmpv4" -> f.getL4().hasICMPv4();
            case "icmpv6" -> f.getL4().hasICMPv6();
            case "dns" -> f.getL7().hasDns();
            case "http" -> f.getL7().hasHttp();
            default -> f.getL7().hasKafka();
        }));
    }

    private static void addPorts(List<Predicate<Flow>> all, String field, List<String> values, boolean source) {
        if (values.isEmpty()) {
            return;
        }
        List<Integer> ports = new ArrayList<>();
        for (String v : values) {
            int p;
            try {
                p = Integer.parseInt(v);
            } catch (NumberFormatException e) {
                p = -1;
            }
            if (p < 0 || p > 65535) {
                throw new InvalidFilter(field + ": '" + v + "' is not a port (0-65535)");
            }
            ports.add(p);
        }
        all.add(f -> {
            int port = io.sluice.api.hubble.HubbleNames.port(f.getL4(), source);
            return port != 0 && ports.contains(port);
        });
    }


    private static void addLabels(List<Predicate<Flow>> all, String field, List<String> selectors,
                                  Function<Flow, List<String>> labels) {
        if (selectors.isEmpty()) {
            return;
        }
        List<LabelSelector> compiled = selectors.stream().map(s -> LabelSelector.parse(field, s)).toList();
        all.add(f -> {
            List<String> ls = labels.apply(f);
            return compiled.stream().anyMatch(c -> c.matches(ls));
        });
    }
}
