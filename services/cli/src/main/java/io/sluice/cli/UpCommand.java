package io.sluice.cli;

import io.sluice.api.node.NodeDefaults;
import io.sluice.api.node.NodeStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/** Starts the node's agent (idempotent) and waits until it answers. */
@Command(name = "up", description = "Start the node (idempotent); waits until it is ready. Standalone unless"
        + " --kubernetes or --kubeconfig: then a node of that Kubernetes cluster.")
class UpCommand implements Callable<Integer> {
    @ParentCommand
    Sluice root;
    @Spec
    CommandSpec spec;
    /** Options for this command, or passed to the agent in a form of their own; the rest are the agent's settings by name. */
    private static final Set<String> CLI_ONLY = Set.of("--state-dir", "--timeout", "--kubernetes", "--kubeconfig", "--devices",
            "--node-name");
    @Option(names = "--state-dir", defaultValue = NodeDefaults.STATE_DIR, description = "Store and logs (default ${DEFAULT-VALUE}).")
    Path stateDir;
    @Option(names = "--pin-root", defaultValue = NodeDefaults.PIN_ROOT, description = "bpffs directory (default ${DEFAULT-VALUE}).")
    String pinRoot;
    @Option(names = "--pod-cidr", defaultValue = NodeDefaults.POD_CIDR, description = "Pod addresses (default ${DEFAULT-VALUE}).")
    String podCidr;
    @Option(names = "--service-cidr", defaultValue = NodeDefaults.SERVICE_CIDR, description = "Service addresses (default ${DEFAULT-VALUE}).")
    String serviceCidr;
    @Option(names = "--name-prefix", defaultValue = NodeDefaults.NAME_PREFIX, description = "Prefix of netns names (default ${DEFAULT-VALUE}).")
    String namePrefix;
    @Option(names = "--kubernetes", description = "Kubernetes mode: pods, services and policies from the API server"
            + " (KUBECONFIG, else the pod's service account); pods attached by the CNI plugin sluice-cni.")
    boolean kubernetes;
    @Option(names = "--kubeconfig", description = "The cluster's kubeconfig (implies --kubernetes).")
    Path kubeconfig;
    @Option(names = "--timeout", defaultValue = "60", description = "Seconds to wait for readiness (default ${DEFAULT-VALUE}).")
    int timeout;
    @Option(names = "--envoy-admin", description = "Expose Envoy's admin API on 127.0.0.1:--envoy-admin-port.")
    boolean envoyAdmin;
    @Option(names = "--envoy-admin-port", defaultValue = NodeDefaults.ENVOY_ADMIN_PORT)
    int envoyAdminPort;
    @Option(names = "--envoy-prometheus-port", defaultValue = NodeDefaults.ENVOY_PROMETHEUS_PORT)
    int envoyPrometheusPort;
    @Option(names = "--envoy-health-port", defaultValue = NodeDefaults.ENVOY_HEALTH_PORT)
    int envoyHealthPort;
    @Option(names = "--node-name", defaultValue = "", description = "The node's name in flows (default: the host name).")
    String nodeName;
    @Option(names = "--hubble-port", defaultValue = NodeDefaults.HUBBLE_PORT, description = "Hubble's Observer API on TCP (default ${DEFAULT-VALUE}).")
    int hubblePort;
    @Option(names = "--hubble-metrics-port", defaultValue = NodeDefaults.HUBBLE_METRICS_PORT, description = "Hubble's metrics (default ${DEFAULT-VALUE}).")
    int hubbleMetricsPort;
    @Option(names = "--hubble-buffer-capacity", defaultValue = NodeDefaults.HUBBLE_BUFFER_CAPACITY, description = "Flows kept (default ${DEFAULT-VALUE}).")
    int hubbleBufferCapacity;
    @Option(names = "--hubble-buffer-mib", defaultValue = NodeDefaults.HUBBLE_BUFFER_MIB,
            description = "Memory for the flows kept, in MiB; 0: 512 bytes per flow kept, at least 1 MiB (default ${DEFAULT-VALUE}).")
    int hubbleBufferMib;
    @Option(names = "--devices", split = ",", description = "The node's own devices where connections from outside the node"
            + " arrive (e.g. eth0); those to pod ports with ingress L7 rules are handed to the proxy there.")
    List<String> devices = List.of();
    @Option(names = "--relay-port", defaultValue = NodeDefaults.RELAY_PORT, description = "The relay's Observer API; 0: no relay (default ${DEFAULT-VALUE}).")
    int relayPort;
    @Option(names = "--relay-tls", description = "Serve the relay's Observer API over TLS on every interface (Hubble's"
            + " tls.server; certificate relay-server.crt from the node CA in STATE_DIR/tls); off: plaintext on loopback only.")
    boolean relayTls;
    @Option(names = "--relay-health-port", defaultValue = NodeDefaults.RELAY_HEALTH_PORT, description = "The relay's gRPC health (default ${DEFAULT-VALUE}).")
    int relayHealthPort;

    @Override
    public Integer call() throws Exception {
        if (RootOnly.self() != 0) {
            throw new CliException("sluice up needs root: the node programs the kernel's datapath and serves its API to root only");
        }
        NodeClient client = new NodeClient(root.node != null ? root.node : "unix://" + stateDir.toAbsolutePath().resolve("api.sock"));
        if (client.reachable()) {
            NodeStatus s = client.get("status", NodeStatus.class);
            System.out.println("Sluice node already up (agent pid " + s.agentPid() + ", API " + client.base() + ")");
            return 0;
        }
        if (kubeconfig != null && !Files.isReadable(kubeconfig)) {
            throw new CliException("--kubeconfig: cannot read " + kubeconfig);
        }
        for (String d : devices) {
            if (!Files.exists(Path.of("/sys/class/net", d))) {
                throw new CliException("--devices: no device '" + d + "' on this host (see 'ip link')");
            }
        }
        if (hubbleBufferCapacity < 1 || hubbleBufferMib < 0) {
            throw new CliException("--hubble-buffer-capacity must be at least 1 (got " + hubbleBufferCapacity
                    + ") and --hubble-buffer-mib at least 0 (got " + hubbleBufferMib + ")");
        }
        long t0 = System.nanoTime();
        stateDir = stateDir.toAbsolutePath();
        RootOnly.directory(stateDir);
        RootOnly.socketDirectory(client.socket().toAbsolutePath().getParent());
        Path log = stateDir.resolve("agent.log");
        AgentLaunch agent = new AgentLaunch(command(client.socket()), stateDir);
        Process p = agent.start(client.socket());
        agent.awaitReady(client, p, "Starting Sluice node", timeout);
        System.out.printf("Sluice node ready in %.1fs (agent pid %d, API %s, log %s)%n",
                (System.nanoTime() - t0) / 1e9, p.pid(), client.base(), log);
        return 0;
    }

    private List<String> command(Path apiSocket) {
        String home = System.getProperty("sluice.home", ".");
        String java = System.getProperty("sluice.java", "java");
        Path jar = Path.of(home, "services/agent/target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new CliException("agent not built: " + jar + " is missing (run 'make build')");
        }
        String envoy = envoyBinary(home);
        // The agent's JVM options, shared with its image (docs/benchmarks.md, Footprint).
        Path jvm = Path.of(home, "config/jvm/agent.options").toAbsolutePath();
        if (!Files.exists(jvm)) {
            throw new CliException("the agent's JVM options are missing: " + jvm);
        }
        List<String> cmd = new ArrayList<>(List.of("setsid", java, "@" + jvm, "-Dsluice.state-dir=" + stateDir,
                "-Dsluice.home=" + home, "-Dsluice.envoy-binary=" + envoy));
        cmd.addAll(agentSettings());
        cmd.addAll(List.of("-Dquarkus.http.domain-socket=" + apiSocket.toAbsolutePath(), "-jar", jar.toString()));
        if (!devices.isEmpty()) {
            cmd.add(cmd.size() - 2, "-Dsluice.devices=" + String.join(",", devices));
        }
        if (!nodeName.isBlank()) {
            cmd.add(cmd.size() - 2, "-Dsluice.node-name=" + nodeName);
        }
        if (kubernetes || kubeconfig != null) {
            cmd.add(cmd.size() - 2, "-Dsluice.kubernetes=true");
        }
        if (kubeconfig != null) {
            cmd.add(cmd.size() - 2, "-Dkubeconfig=" + kubeconfig.toAbsolutePath());
        }
        return cmd;
    }

    /**
     * The node's settings the user gave, as the agent's system properties ({@code --relay-port 0}
     * is {@code -Dsluice.relay-port=0}); the others are left to the agent's configuration, whose
     * defaults are the ones these options show ({@link NodeDefaults}).
     */
    List<String> agentSettings() {
        List<String> out = new ArrayList<>();
        for (OptionSpec o : spec.commandLine().getParseResult().matchedOptions()) {
            String name = o.longestName();
            if (!CLI_ONLY.contains(name)) {
                out.add("-Dsluice." + (name.equals("--envoy-admin") ? "envoy-admin-enabled" : name.substring(2)) + "=" + o.getValue());
            }
        }
        return out;
    }

    /** The pinned Envoy from scripts/find-envoy.sh, or "" (L7 off) with the reason printed. */
    private static String envoyBinary(String home) {
        try {
            Process p = new ProcessBuilder(Path.of(home, "scripts/find-envoy.sh").toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            if (p.waitFor() == 0) {
                return out;
            }
            System.err.println("Warning: " + out + "; starting without Envoy (L7 policies will be refused)");
        } catch (IOException | InterruptedException e) {
            System.err.println("Warning: cannot look for Envoy (" + e.getMessage() + "); starting without it");
        }
        return "";
    }
}
