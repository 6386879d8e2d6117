package io.sluice.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import io.sluice.api.node.EnvoyConfigView;
import io.sluice.api.node.IdentityView;
import io.sluice.api.node.PodView;
import io.sluice.api.node.PolicyView;
import io.sluice.api.node.ServiceView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code sluice get pods|services|cnp|ccnp|cec|ccec|identities [NAME]} as tables, or {@code -o json}. */
@Command(name = "get", description = "List pods, services, cnp, ccnp, cec, ccec or identities.")
class GetCommand implements Callable<Integer> {
    @ParentCommand
    Sluice root;
    @Parameters(index = "0", description = "pods|services|cnp|ccnp|cec|ccec|identities")
    String what;
    @Parameters(index = "1", arity = "0..1", description = "Only the object of this name (cec, ccec).")
    String name;
    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table or json")
    String output;

    @Override
    public Integer call() throws Exception {
        NodeClient c = root.client();
        Object data = switch (what) {
            case "pods", "pod", "po" -> c.get("pods", new TypeReference<List<PodView>>() {});
            case "services", "service", "svc" -> c.get("services", new TypeReference<List<ServiceView>>() {});
            case "cnp", "ciliumnetworkpolicies", "ccnp", "ciliumclusterwidenetworkpolicies" ->
                    c.get("policies", new TypeReference<List<PolicyView>>() {}).stream()
                            .filter(p -> p.kind().equals(what.startsWith("cc") ? "CiliumClusterwideNetworkPolicy" : "CiliumNetworkPolicy"))
                            .toList();
            case "cec", "ciliumenvoyconfigs", "ccec", "ciliumclusterwideenvoyconfigs" ->
                    c.get("envoyconfigs", new TypeReference<List<EnvoyConfigView>>() {}).stream()
                            .filter(e -> e.kind().equals(what.startsWith("cc") ? "CiliumClusterwideEnvoyConfig" : "CiliumEnvoyConfig"))
                            .filter(e -> name == null || e.name().equals(name)).toList();
            case "identities", "identity", "id" -> c.get("identities", new TypeReference<List<IdentityView>>() {});
            default -> throw new CliException("unknown resource type '" + what + "' (pods, services, cnp, ccnp, cec, ccec, identities)");
        };
        if (name != null && ((List<?>) data).isEmpty()) {
            throw new CliException(what + " '" + name + "' not found");
        }
        if (output.equals("json")) {
            System.out.println(NodeClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(data));
            return 0;
        }
        switch (what) {
            case "pods", "pod", "po" -> printPods(cast(data));
            case "services", "service", "svc" -> table(List.of("NAMESPACE", "NAME", "CLUSTER-IP", "PORTS", "BACKENDS"),
                    this.<ServiceView>cast(data).stream().map(s -> List.of(s.namespace(), s.name(), s.clusterIp(),
                            String.join(",", s.ports()), String.join(",", s.backends()))).toList());
            case "cec", "ciliumenvoyconfigs", "ccec", "ciliumclusterwideenvoyconfigs" ->
                    table(List.of("NAMESPACE", "NAME", "VALID", "PROGRAMMED", "LISTENERS", "MESSAGE"),
                            this.<EnvoyConfigView>cast(data).stream().map(e -> List.of(e.namespace().isEmpty() ? "-" : e.namespace(),
                                    e.name(), "True", e.programmed(), new TreeMap<>(e.listeners()).entrySet().stream()
                                            .map(l -> l.getKey() + "=" + l.getValue()).collect(Collectors.joining(",")),
                                    e.message())).toList());
            case "identities", "identity", "id" -> table(List.of("ID", "ENDPOINTS", "LABELS"),
                    this.<IdentityView>cast(data).stream().map(i -> List.of(Integer.toString(i.id()),
                            Integer.toString(i.endpoints()), String.join(" ", i.labels()))).toList());
            default -> table(List.of("NAMESPACE", "NAME", "VALID", "ENDPOINTS", "MESSAGE"),
                    this.<PolicyView>cast(data).stream().map(p -> List.of(p.namespace().isEmpty() ? "-" : p.namespace(), p.name(),
                            p.valid() ? "True" : "False", p.selectedEndpoints().stream().map(String::valueOf)
                                    .collect(Collectors.joining(",")), p.message())).toList());
        }
        return 0;
    }

    @SuppressWarnings("unchecked")
    private <T> List<T> cast(Object o) {
        return (List<T>) o;
    }

    static void printPods(List<PodView> pods) {
        table(List.of("NAMESPACE", "NAME", "STATUS", "IP", "IDENTITY", "ENDPOINT", "LABELS"), pods.stream()
                .map(p -> List.of(p.namespace(), p.name(), p.state(), p.ip(), Integer.toString(p.identity()),
                        Integer.toString(p.endpointId()), labels(p.labels())))
                .toList());
    }

    static String labels(Map<String, String> labels) {
        return new TreeMap<>(labels).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }

    static void table(List<String> header, List<List<String>> rows) {
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        int[] w = new int[header.size()];
        for (List<String> r : all) {
            for (int i = 0; i < r.size(); i++) {
                w[i] = Math.max(w[i], r.get(i).length());
            }
        }
        for (List<String> r : all) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < r.size(); i++) {
                b.append(i == r.size() - 1 ? r.get(i) : String.format("%-" + (w[i] + 3) + "s", r.get(i)));
            }
            System.out.println(b.toString().stripTrailing());
        }
    }
}
