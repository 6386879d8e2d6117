package io.sluice.cli;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Sluice installed on a cluster, as {@code cilium status} reads Cilium: the chart's workloads
 * (the agent's and Envoy's DaemonSets, the operator's Deployment) from the API server, one line
 * per component, then one per workload with its counts and images. {@link #components} is pure.
 */
final class ClusterStatus {
    static final String AGENT = "sluice-agent", ENVOY = "sluice-envoy", OPERATOR = "sluice-operator", RELAY = "hubble-relay";

    /** A workload's counts; {@code problems} names its pods that are not ready, and why. */
    record Workload(String kind, String name, int desired, int ready, int available, int updated,
                    Map<String, Integer> images, List<String> problems) {
        boolean ok() {
            return desired > 0 && ready == desired && available == desired && updated == desired;
        }

        String counts() {
            return "Desired: %d, Ready: %d/%d, Available: %d/%d".formatted(desired, ready, desired, available, desired);
        }
    }

    record Line(String name, String state, String detail) {
        boolean ready() {
            return state.equals("OK") || state.equals("disabled");
        }
    }

    private ClusterStatus() {}

    /** The client of a kubeconfig file. */
    static KubernetesClient client(Path kubeconfig) {
        try {
            Config config = Config.fromKubeconfig(Files.readString(kubeconfig));
            // an API server that does not answer is said at once (--wait asks again), not after the client's ten retries
            config.setRequestRetryBackoffLimit(0);
            return new KubernetesClientBuilder().withConfig(config).build();
        } catch (java.io.IOException e) {
            throw new CliException("--kubeconfig: cannot read " + kubeconfig + ": " + e.getMessage());
        }
    }

    /** The chart's workloads in the namespace (absent ones are left out) and its sluice-config. */
    static Map<String, Workload> workloads(KubernetesClient k, String ns) {
        Map<String, Workload> out = new TreeMap<>();
        try {
            for (String name : List.of(AGENT, ENVOY)) {
                DaemonSet ds = k.apps().daemonSets().inNamespace(ns).withName(name).get();
                if (ds != null && ds.getStatus() != null) {
                    var st = ds.getStatus();
                    out.put(name, new Workload("DaemonSet", name, n(st.getDesiredNumberScheduled()), n(st.getNumberReady()),
                            n(st.getNumberAvailable()), n(st.getUpdatedNumberScheduled()), images(k, ns, name), problems(k, ns, name)));
                }
            }
            for (String name : List.of(OPERATOR, RELAY)) {
                Deployment d = k.apps().deployments().inNamespace(ns).withName(name).get();
                if (d != null && d.getStatus() != null) {
                    var st = d.getStatus();
                    out.put(name, new Workload("Deployment", name, n(d.getSpec().getReplicas()), n(st.getReadyReplicas()),
                            n(st.getAvailableReplicas()), n(st.getUpdatedReplicas()), images(k, ns, name), problems(k, ns, name)));
                }
            }
        } catch (KubernetesClientException e) {
            throw new CliException("cannot read Sluice's workloads in namespace " + ns + ": " + message(e));
        }
        return out;
    }

    /** The sluice-config ConfigMap's data; empty when there is none. */
    static Map<String, String> config(KubernetesClient k, String ns) {
        try {
            ConfigMap cm = k.configMaps().inNamespace(ns).withName("sluice-config").get();
            return cm == null || cm.getData() == null ? Map.of() : new TreeMap<>(cm.getData());
        } catch (KubernetesClientException e) {
            throw new CliException("cannot read ConfigMap " + ns + "/sluice-config: " + message(e));
        }
    }

    /** Cilium's component lines from the workloads and the settings. */
    static List<Line> components(Map<String, Workload> workloads, Map<String, String> config) {
        List<Line> out = new ArrayList<>();
        out.add(line("Sluice", "DaemonSet", AGENT, workloads, "agents"));
        out.add(line("Operator", "Deployment", OPERATOR, workloads, "replicas"));
        if ("true".equals(config.get("external-envoy-proxy"))) {
            out.add(line("Envoy DaemonSet", "DaemonSet", ENVOY, workloads, "Envoys"));
        } else {
            out.add(new Line("Envoy DaemonSet", "disabled", "Envoy runs in the agents' pods (envoy.enabled=false)"));
        }
        // as Cilium's: a relay that is not installed is disabled (hubble.relay.enabled=false), not an error
        out.add(workloads.containsKey(RELAY) ? line("Hubble Relay", "Deployment", RELAY, workloads, "replicas")
                : new Line("Hubble Relay", "disabled", ""));
        out.add(new Line("ClusterMesh", "disabled", ""));
        return out;
    }

    private static Line line(String component, String kind, String name, Map<String, Workload> workloads, String what) {
        Workload w = workloads.get(name);
        if (w == null) {
            return new Line(component, "error", "not installed (no " + kind + " " + name + ")");
        }
        if (w.ok()) {
            return new Line(component, "OK", "");
        }
        String detail = w.ready() + " of " + w.desired() + " " + what + " ready"
                + (w.updated() < w.desired() ? ", " + w.updated() + " updated" : "")
                + (w.problems().isEmpty() ? "" : ": " + String.join("; ", w.problems()));
        return new Line(component, w.ready() == 0 ? "error" : "degraded", detail);
    }

    /** What is not ready yet, for --wait's progress line; empty when all is. */
    static String waitingFor(List<Line> lines) {
        return lines.stream().filter(l -> !l.ready()).map(l -> l.name() + " (" + l.state() + (l.detail().isEmpty() ? "" : ": "
                + l.detail()) + ")").collect(Collectors.joining(", "));
    }

    private static Map<String, Integer> images(KubernetesClient k, String ns, String app) {
        Map<String, Integer> out = new TreeMap<>();
        for (Pod p : pods(k, ns, app)) {
            p.getSpec().getContainers().forEach(c -> out.merge(c.getImage(), 1, Integer::sum));
        }
        return out;
    }

    /** Pods of the workload that are not ready: a container waiting (CrashLoopBackOff...) or not ready yet. */
    private static List<String> problems(KubernetesClient k, String ns, String app) {
        List<String> out = new ArrayList<>();
        for (Pod p : pods(k, ns, app)) {
            if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
                out.add(p.getMetadata().getName() + " " + (p.getStatus() == null ? "pending" : p.getStatus().getPhase()));
                continue;
            }
            for (ContainerStatus c : p.getStatus().getContainerStatuses()) {
                if (Boolean.TRUE.equals(c.getReady())) {
                    continue;
                }
                var waiting = c.getState() == null ? null : c.getState().getWaiting();
                out.add(p.getMetadata().getName() + "/" + c.getName() + " " + (waiting != null
                        ? waiting.getReason() + (waiting.getMessage() == null ? "" : " (" + waiting.getMessage() + ")")
                        : "not ready") + (c.getRestartCount() > 0 ? ", " + c.getRestartCount() + " restarts" : ""));
            }
        }
        return out;
    }

    private static List<Pod> pods(KubernetesClient k, String ns, String app) {
        return k.pods().inNamespace(ns).withLabel("app.kubernetes.io/name", app).list().getItems();
    }

    private static int n(Integer i) {
        return Objects.requireNonNullElse(i, 0);
    }

    static String message(KubernetesClientException e) {
        return e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                : e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
    }
}
