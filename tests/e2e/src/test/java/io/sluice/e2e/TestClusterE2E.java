package io.sluice.e2e;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The test cluster the Kubernetes tests run on (scripts/cluster): a real single-node Kubernetes
 * (etcd, kube-apiserver, controller-manager, scheduler, kubelet with containerd, ptp and
 * sluice-cni) comes up with its node Ready and Sluice on it (its Helm chart: CRDs, RBAC, the
 * operator as a pod of its image; the agent), runs a pod from a locally built image, which Sluice
 * enforces, execs into it, and {@code down.sh} leaves the host as {@code up.sh} found it.
 */
class TestClusterE2E {
    @Test
    void upRunsAPod_andDownLeavesTheHostAsItWas() throws Exception {
        Map<String, String> before = HostCleanupE2E.snapshot();
        TestCluster cluster = TestCluster.up();
        TestNode.Result down;
        try {
            assertThat(cluster.kubectl("get", "nodes", "--no-headers").out()).contains(" Ready ");
            TestNode.Result run = cluster.kubectl("run", "probe", "--image=docker.io/library/busybox:sluice",
                    "--image-pull-policy=Never", "--restart=Never", "--", "sleep", "3600");
            assertThat(run.exit()).as(run.out()).isZero();
            TestNode.Result ready = cluster.kubectl("wait", "--for=condition=Ready", "pod/probe", "--timeout=90s");
            assertThat(ready.exit()).as(ready.out() + cluster.kubectl("describe", "pod", "probe").out()).isZero();
            assertThat(cluster.kubectl("exec", "probe", "--", "hostname").out().strip()).isEqualTo("probe");
            assertThat(cluster.kubectl("get", "pod", "probe", "-o", "jsonpath={.status.podIP}").out()).startsWith("10.244.0.");
            assertThat(cluster.sluice("status").out()).contains("Kubernetes node")
                    .contains("tc programs on 2 endpoints") // the probe and Hubble relay
                    .containsPattern("Hubble Relay:\\s+disabled\\s+not on the node: the cluster's is the Deployment hubble-relay");
            assertThat(cluster.sluice("config", "view").out().lines()).contains("mode\tkubernetes", "kube-proxy-replacement\ttrue");
            // both sides of a pod's veth share one clsact qdisc: finding it there is no error to print
            assertThat(cluster.kubectl("logs", "-n", "kube-system", "-l", "app.kubernetes.io/name=sluice-agent", "--tail=-1").out())
                    .contains("reconciled").doesNotContain("Exclusivity flag on");
            // The operator gave the probe's labels an identity; the agent enforces the probe under that number.
            String[] probeId = new String[1];
            waitFor(30, () -> (probeId[0] = ciliumIdentity(cluster, "probe")) != null);
            assertThat(cluster.sluice("get", "identities").out().lines()
                    .filter(l -> l.contains("k8s:run=probe")).findFirst()).hasValueSatisfying(l -> assertThat(l).contains(probeId[0]));
            // Cilium's CRDs, generated from the operator's model, under Cilium's short names; the operator holds its lease.
            TestNode.Result crds = cluster.kubectl("get", "cnp,ccnp,ciliumid,cec,ccec", "-A");
            assertThat(crds.exit()).as(crds.out()).isZero();
            String pod = cluster.kubectl("get", "pods", "-n", "kube-system", "-l", "app.kubernetes.io/name=sluice-operator",
                    "-o", "jsonpath={.items[0].metadata.name}").out();
            assertThat(cluster.kubectl("get", "lease", "sluice-operator", "-n", "kube-system", "-o",
                    "jsonpath={.spec.holderIdentity}").out()).isEqualTo(pod);
            // The operator's pod runs from its image as a user without rights, not as root.
            String operatorPid = TestNode.run(List.of("pgrep", "-f", "-n", "@/app/jvm/operator.options -jar /app/quarkus-run.jar"), null).out().strip();
            assertThat(TestNode.run(List.of("ps", "-o", "uid=", "-p", operatorPid), null).out().strip()).isEqualTo("65532");
            // The agent and Envoy are pods of the chart's DaemonSets; Envoy runs as the node's
            // account with exactly the two capabilities it needs, not as root.
            assertThat(cluster.kubectl("get", "daemonsets", "-n", "kube-system", "-o",
                    "jsonpath={range .items[*]}{.metadata.name}={.status.numberReady} {end}").out())
                    .contains("sluice-agent=1").contains("sluice-envoy=1");
            assertThat(Files.readString(Path.of("/proc/" + cluster.agentPid() + "/cgroup"))).contains("kubepods");
            // The agent's pod installed its CNI plugin and chained it into the node's network, after ptp.
            assertThat(cluster.dir.resolve("cni/bin/sluice-cni")).isExecutable();
            assertThat(Files.readString(cluster.dir.resolve("cni/net.d/10-sluice-test.conflist")))
                    .containsSubsequence("\"type\" : \"ptp\"", "\"type\" : \"sluice-cni\"", "\"socket\" : \"" + cluster.dir + "/sluice/api.sock\"");
            // `cilium status --wait` and `cilium config view`, of Sluice on the cluster
            String sluice = TestNode.HOME.resolve("bin/sluice").toString(), kubeconfig = cluster.dir.resolve("admin.kubeconfig").toString();
            TestNode.Result status = TestNode.run(List.of(sluice, "status", "--kubeconfig", kubeconfig, "--wait", "--wait-duration", "60s"), null);
            assertThat(status.exit()).as(status.out()).isZero();
            assertThat(status.out()).containsPattern("Sluice:\\s+OK").containsPattern("Operator:\\s+OK")
                    .containsPattern("Envoy DaemonSet:\\s+OK").containsPattern("Hubble Relay:\\s+OK").containsPattern("ClusterMesh:\\s+disabled")
                    .containsPattern("DaemonSet\\s+sluice-agent\\s+Desired: 1, Ready: 1/1, Available: 1/1")
                    .contains("localhost/sluice/envoy:");
            // Hubble relay, a Deployment in the pods' network, finds the node's observer through
            // hubble-peer and dials it over mutual TLS with the chart's certificates.
            assertThat(cluster.kubectl("get", "pods", "-n", "kube-system", "-l", "app.kubernetes.io/name=hubble-relay", "-o",
                    "jsonpath={.items[0].spec.hostNetwork} {.items[0].status.podIP}").out()).matches(" 10\\.244\\.0\\.\\d+");
            waitFor(30, () -> cluster.hubble("status").out().contains("Connected Nodes: 1/1"));
            assertThat(cluster.hubble("list", "nodes").out()).containsPattern(TestNode.run(List.of("hostname"), null).out().strip()
                    + "\\s+Connected");
            TestNode.Result config = TestNode.run(List.of(sluice, "config", "view", "--kubeconfig", kubeconfig), null);
            assertThat(config.out().lines()).contains("external-envoy-proxy\ttrue", "kube-proxy-replacement\ttrue",
                    "envoy-config-retry-interval\t15s", "loadbalancer-l7\tenvoy");
            String envoyPid = TestNode.run(List.of("pgrep", "-n", "-x", "envoy"), null).out().strip();
            String envoyStatus = Files.readString(Path.of("/proc/" + envoyPid + "/status"));
            assertThat(envoyStatus).containsPattern("Uid:\\s+65532\\s+65532\\s+65532\\s+65532")
                    .contains("CapEff:\t0000000000001400").contains("CapBnd:\t0000000000001400");
            chart_isValid_andABadValueIsRefusedByName(cluster);
            // Sluice runs as users of its own with the chart's roles: what it needs, and nothing an attacker would want.
            Map<String, Boolean> agent = Map.of("watch pods", true, "patch ciliumnetworkpolicies --subresource=status", true,
                    "list ciliumidentities", true, "patch ciliumenvoyconfigs --subresource=status", true,
                    "update ciliumnetworkpolicies", false, "delete pods", false,
                    "create pods", false, "get secrets", false, "create ciliumidentities", false);
            Map<String, Boolean> operator = Map.of("create ciliumidentities", true, "patch ciliumclusterwidenetworkpolicies --subresource=status",
                    true, "update ciliumclusterwidenetworkpolicies", false, "delete pods", false, "get secrets", false,
                    "update leases/sluice-operator -n kube-system", true, "update leases/kube-scheduler -n kube-system", false);
            agent.forEach((what, allowed) -> assertThat(canI(cluster, "sluice-agent", what)).as("sluice-agent: " + what)
                    .isEqualTo(allowed));
            operator.forEach((what, allowed) -> assertThat(canI(cluster, "system:serviceaccount:kube-system:sluice-operator", what))
                    .as("sluice-operator: " + what).isEqualTo(allowed));
            // and with the agent's own credentials, the attack itself fails
            TestNode.Result attack = cluster.kubectlAs("sluice-agent", "delete", "pod", "probe", "--wait=false");
            assertThat(attack.exit()).isNotZero();
            assertThat(attack.out()).contains("Forbidden");
            assertThat(cluster.kubectl("get", "pod", "probe", "-o", "jsonpath={.metadata.deletionTimestamp}").out()).isEmpty();
            envoyConfigs_getTheirValidCondition(cluster);
            operatorReplicas_takeTurns(cluster);
            // last: it restarts the agent, whose purge at down must still restore the host
            envoyAdmin_isTurnedOnByAnUpgrade(cluster);
        } finally {
            down = cluster.down();
        }
        assertThat(down.exit()).as(down.out()).isZero();
        assertThat(cluster.dir).doesNotExist();
        Map<String, String> after = HostCleanupE2E.snapshot();
        HostCleanupE2E.HOST.keySet().forEach(k -> assertThat(after.get(k)).as(k).isEqualTo(before.get(k)));
    }

    /**
     * The lab's circuit breaker is valid; a config with a type Envoy configs cannot carry says
     * which, where kubectl shows it; a Service annotated for L7 load balancing gets its config.
     */
    private static void envoyConfigs_getTheirValidCondition(TestCluster cluster) throws Exception {
        TestNode.Result lab = cluster.apply(Files.readString(TestNode.HOME.resolve("demo/manifests/envoy-circuit-breaker.yaml")));
        assertThat(lab.exit()).as(lab.out()).isZero();
        TestNode.Result bad = cluster.apply("""
                apiVersion: cilium.io/v2
                kind: CiliumEnvoyConfig
                metadata: {name: odd, namespace: default}
                spec:
                  resources: [{"@type": type.googleapis.com/envoy.config.core.v3.Address}]
                """);
        assertThat(bad.exit()).as(bad.out()).isZero();
        waitFor(30, () -> cluster.kubectl("get", "ccec", "envoy-circuit-breaker", "--no-headers").out()
                .matches("envoy-circuit-breaker\\s+\\S+\\s+True\\s*"));
        waitFor(30, () -> cluster.kubectl("get", "cec", "odd", "--no-headers").out().matches("odd\\s+\\S+\\s+False\\s*"));
        assertThat(cluster.kubectl("get", "cec", "odd", "-o", "jsonpath={.status.conditions[0].message}").out())
                .startsWith("CiliumEnvoyConfig default/odd: spec.resources[0].@type: 'type.googleapis.com/envoy.config.core.v3.Address'"
                        + " is not one of envoy.config.listener.v3.Listener,");
        // L7 load balancing by annotation: the operator writes the Service's config, owned by it, and takes it back.
        TestNode.Result web = cluster.apply("""
                apiVersion: v1
                kind: Service
                metadata:
                  name: web
                  annotations: {service.cilium.io/lb-l7: enabled, service.cilium.io/lb-l7-algorithm: least_request}
                spec:
                  selector: {run: probe}
                  ports: [{port: 80}]
                """);
        assertThat(web.exit()).as(web.out()).isZero();
        waitFor(30, () -> cluster.kubectl("get", "cec", "cilium-envoy-lb-web", "--no-headers").out()
                .matches("cilium-envoy-lb-web\\s+\\S+\\s+True\\s*"));
        assertThat(cluster.kubectl("get", "cec", "cilium-envoy-lb-web", "-o",
                "jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name} {.spec.resources[2].lbPolicy}"
                        + " {.spec.services[0].name}").out()).isEqualTo("Service/web LEAST_REQUEST web");
        assertThat(cluster.kubectl("annotate", "service", "web", "service.cilium.io/lb-l7-").exit()).isZero();
        waitFor(30, () -> cluster.kubectl("get", "cec", "cilium-envoy-lb-web", "--ignore-not-found").out().isBlank());
    }

    /**
     * The chart lints, and what it and the kustomize base render is accepted by the real API
     * server; a value of the wrong type or an unknown one is refused by name and changes nothing.
     */
    /**
     * The lab's "Debugging Envoy": `helm upgrade --set envoy.debug.admin.enabled=true --set
     * envoy.debug.admin.port=9901` restarts Envoy's pods with the new setting; Envoy's admin
     * answers on the node's 127.0.0.1:9901 (Envoy runs on the host network) and through
     * `kubectl port-forward` to Envoy's pod, as the lab reaches it.
     */
    private static void envoyAdmin_isTurnedOnByAnUpgrade(TestCluster cluster) throws Exception {
        assertThat(curl("http://127.0.0.1:9901/listeners").exit()).isNotZero();
        TestNode.Result upgrade = cluster.helm("upgrade", "sluice", TestNode.HOME.resolve("k8s/sluice").toString(), "-n", "kube-system",
                "--reuse-values", "--set", "envoy.debug.admin.enabled=true", "--set", "envoy.debug.admin.port=9901");
        assertThat(upgrade.exit()).as(upgrade.out()).isZero();
        // both DaemonSets roll (their settings changed); the agent's before the test goes on
        for (String ds : List.of("sluice-envoy", "sluice-agent")) {
            TestNode.Result rollout = cluster.kubectl("rollout", "status", "daemonset/" + ds, "-n", "kube-system", "--timeout=120s");
            assertThat(rollout.exit()).as(rollout.out()).isZero();
        }
        String[] listeners = {""};
        waitFor(30, () -> (listeners[0] = curl("http://127.0.0.1:9901/listeners").out()).contains("envoy-health-listener"));
        assertThat(listeners[0]).contains("envoy-prometheus-listener");
        String pod = cluster.kubectl("get", "pods", "-n", "kube-system", "-l", "app.kubernetes.io/name=sluice-envoy",
                "--field-selector=status.phase=Running", "-o", "jsonpath={.items[0].metadata.name}").out();
        Process forward = new ProcessBuilder(cluster.tool("kubectl"), "--kubeconfig", cluster.dir.resolve("admin.kubeconfig").toString(),
                "-n", "kube-system", "port-forward", "pod/" + pod, "19901:9901").redirectErrorStream(true).start();
        try {
            waitFor(30, () -> (listeners[0] = curl("http://127.0.0.1:19901/listeners").out()).contains("envoy-health-listener"));
        } finally {
            forward.destroy();
            forward.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static TestNode.Result curl(String url) {
        return TestNode.run(List.of("curl", "-sf", "--max-time", "2", url), null);
    }

    private static void chart_isValid_andABadValueIsRefusedByName(TestCluster cluster) {
        String chart = TestNode.HOME.resolve("k8s/sluice").toString();
        TestNode.Result lint = cluster.helm("lint", chart);
        assertThat(lint.exit()).as(lint.out()).isZero();
        TestNode.Result rendered = cluster.helm("template", "sluice", chart, "-n", "kube-system", "--include-crds");
        assertThat(rendered.exit()).as(rendered.out()).isZero();
        TestNode.Result dryRun = cluster.kubectlWithInput(rendered.out(), "apply", "--dry-run=server", "-f", "-");
        assertThat(dryRun.exit()).as(dryRun.out()).isZero();
        assertThat(dryRun.out()).contains("deployment.apps/sluice-operator").contains("daemonset.apps/sluice-agent")
                .contains("daemonset.apps/sluice-envoy").contains("(server dry run)");
        // the kustomize base is the chart with its defaults
        TestNode.Result base = cluster.kubectl("kustomize", "--enable-helm", "--helm-command", cluster.tool("helm"),
                TestNode.HOME.resolve("k8s").toString());
        assertThat(base.exit()).as(base.out()).isZero();
        TestNode.Result baseDryRun = cluster.kubectlWithInput(base.out(), "apply", "--dry-run=server", "-f", "-");
        assertThat(baseDryRun.exit()).as(baseDryRun.out()).isZero();
        assertThat(baseDryRun.out()).contains("deployment.apps/sluice-operator").contains("configmap/sluice-config");
        TestNode.Result bad = cluster.helm("upgrade", "sluice", chart, "-n", "kube-system", "--reuse-values",
                "--set", "operator.replicas=two", "--set", "loadBalancer.l7.algorithm=fastest");
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.out()).contains("/operator/replicas").contains("want integer")
                .contains("/loadBalancer/l7/algorithm").contains("least_request");
        assertThat(cluster.helm("history", "sluice", "-n", "kube-system", "--max", "1", "-o", "json").out())
                .contains("\"revision\":1");
    }

    /**
     * A second replica of the operator (here on the host) waits while the chart's pod holds the
     * lease; the pod, stopped as Kubernetes stops it (SIGTERM), goes promptly; the second replica
     * then takes the lease, validates what comes next and collects the identities no pod uses any more.
     */
    private static void operatorReplicas_takeTurns(TestCluster cluster) throws Exception {
        Process second = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx96m",
                TestCluster.OPERATOR_ARGS, "-Dkubeconfig=" + cluster.dir.resolve("admin.kubeconfig"), "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=9235", "-jar", TestNode.HOME.resolve("services/operator/target/quarkus-app/quarkus-run.jar")
                .toString()).redirectErrorStream(true).redirectOutput(cluster.dir.resolve("logs/sluice-operator-2.log").toFile())
                .start();
        try {
            String holder = cluster.kubectl("get", "lease", "sluice-operator", "-n", "kube-system", "-o",
                    "jsonpath={.spec.holderIdentity}").out();
            assertThat(holder).startsWith("sluice-operator-");
            waitFor(30, () -> TestNode.run(List.of("curl", "-fsS", "http://127.0.0.1:9235/q/health/live"), null).exit() == 0);
            assertThat(cluster.kubectl("scale", "deployment/sluice-operator", "-n", "kube-system", "--replicas=0").exit()).isZero();
            TestNode.Result gone = cluster.kubectl("wait", "--for=delete", "pod/" + holder, "-n", "kube-system", "--timeout=15s");
            assertThat(gone.exit()).as("the operator's pod stops within 15 s of SIGTERM: " + gone.out()).isZero();
            TestNode.Result late = cluster.apply("""
                    apiVersion: cilium.io/v2
                    kind: CiliumNetworkPolicy
                    metadata: {name: late}
                    spec:
                      endpointSelector: {}
                      ingress: [{toPorts: [{ports: [{port: "99999"}]}]}]
                    """);
            assertThat(late.exit()).as(late.out()).isZero();
            // the lease lasts 15 s after its holder's last renewal
            waitFor(30, () -> cluster.kubectl("get", "cnp", "late", "--no-headers").out().matches("late\\s+\\S+\\s+False\\s*"));
            assertThat(cluster.kubectl("get", "lease", "sluice-operator", "-n", "kube-system", "-o",
                    "jsonpath={.spec.holderIdentity}").out()).endsWith("_" + second.pid());
            // the new leader collects identities: the probe's goes 10 s (the test cluster's grace) after the probe
            assertThat(cluster.kubectl("delete", "pod", "probe", "--grace-period=1").exit()).isZero();
            waitFor(40, () -> ciliumIdentity(cluster, "probe") == null);
        } finally {
            second.destroy();
            if (!second.waitFor(10, TimeUnit.SECONDS)) {
                second.destroyForcibly().waitFor();
            }
        }
    }

    private static boolean canI(TestCluster cluster, String user, String what) {
        List<String> args = new java.util.ArrayList<>(List.of("auth", "can-i"));
        args.addAll(List.of(what.split(" ")));
        args.addAll(List.of("--as", user));
        return cluster.kubectl(args.toArray(String[]::new)).exit() == 0; // 0: yes, 1: no
    }

    /** The name (number) of the CiliumIdentity whose labels include run=NAME (kubectl run's label), or null. */
    private static String ciliumIdentity(TestCluster cluster, String run) {
        String all = cluster.kubectl("get", "ciliumid", "-o",
                "jsonpath={range .items[*]}{.metadata.name} {.security-labels}{\"\\n\"}{end}").out();
        return all.lines().filter(l -> l.contains("\"k8s:run\":\"" + run + "\"")).map(l -> l.split(" ")[0]).findFirst()
                .orElse(null);
    }

    private static void waitFor(int seconds, java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("within %d s", seconds).isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
