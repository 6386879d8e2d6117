package io.sluice.agent.config;

import io.sluice.agent.dns.DnsProcess;
import io.sluice.agent.proc.ManagedProcess;
import io.sluice.agent.proc.NodeUser;
import io.sluice.agent.tls.NodeCertificates;
import io.sluice.api.xds.Bootstrap;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The node's processes besides the agent: cluster DNS (standalone only: a cluster has its own,
 * CoreDNS), Hubble relay, envoy-xds and Envoy. Each runs detached
 * (it outlives an agent restart) and is restarted within 200 ms when it dies. None runs as root: each
 * runs as the node's account with only the capabilities it needs ({@link NodeUser}): Envoy
 * CAP_NET_ADMIN and CAP_NET_BIND_SERVICE, the DNS CAP_NET_BIND_SERVICE, the relay and envoy-xds none.
 * With external-envoy-proxy, envoy-xds and Envoy run elsewhere (a DaemonSet of their own, where
 * envoy-xds writes Envoy's bootstrap) and meet the agent on the sockets of the proxy directory.
 */
public final class NodeProcesses implements AutoCloseable {
    /**
     * The JVM options of envoy-xds and of the relay, in the java launcher's argument-file form:
     * {@code config/jvm/service.options} under the installation, which their images run with too.
     */
    public static String serviceJvm(String home) {
        return "@" + Path.of(home, "config/jvm/service.options").toAbsolutePath();
    }

    private static final Logger LOG = Logger.getLogger(NodeProcesses.class);
    private final Optional<DnsProcess> dns;
    private final Optional<ManagedProcess> xds;
    private final Optional<ManagedProcess> envoy;
    private final Optional<ManagedProcess> relay;
    private final Path stateDir;
    private final Path proxyDir;
    private final boolean external;
    private Thread supervisor;
    /** What {@link #start} started, not found running. */
    private final List<ManagedProcess> startedHere = new ArrayList<>();

    public NodeProcesses(NodeConfig config, NodeCertificates certificates, StateDirectory state, String router) {
        this.stateDir = state.dir();
        this.proxyDir = state.proxy();
        NodeUser user = state.user();
        this.dns = config.kubernetes() ? Optional.empty() : Optional.of(new DnsProcess(stateDir, router, config.dnsPort(), user));
        this.relay = relay(config, stateDir, proxyDir, certificates, user);
        this.external = config.externalEnvoyProxy();
        if (external || config.envoyBinary().isBlank()) {
            this.xds = Optional.empty();
            this.envoy = Optional.empty();
            if (external) {
                LOG.infof("Envoy and envoy-xds run outside the agent, on the sockets of %s", proxyDir);
            } else {
                LOG.warn("no Envoy binary configured (sluice.envoy-binary): L7 policies will be refused; run 'make deps'");
            }
            return;
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        Path xdsJar = Path.of(config.home(), "services/envoy-xds/target/quarkus-app/quarkus-run.jar");
        List<String> xdsCmd = new ArrayList<>(List.of(java, serviceJvm(config.home())));
        xdsCmd.addAll(List.of("-Dsluice.xds.socket=" + xdsSocket(), "-Dsluice.xds.state-dir=" + proxyDir.resolve("xds"),
                "-Dquarkus.http.domain-socket=" + healthSocket(proxyDir, "xds"), "-jar", xdsJar.toString()));
        this.xds = Optional.of(new ManagedProcess("envoy-xds", stateDir, user.confine(xdsCmd, NodeUser.NO_CAPS)));
        Path bootstrap = proxyDir.resolve("envoy-bootstrap.yaml");
        new Bootstrap(config.namePrefix(), xdsSocket(), envoyAdminSocket(), alsSocket(),
                config.envoyAdminEnabled() ? config.envoyAdminPort() : 0, config.envoyPrometheusPort(),
                config.envoyHealthPort()).write(bootstrap);
        this.envoy = Optional.of(new ManagedProcess("envoy", stateDir, user.confine(List.of(config.envoyBinary(), "-c",
                bootstrap.toString(), "--disable-hot-restart", "--log-level", "warn", "--concurrency",
                Integer.toString(config.envoyConcurrency() > 0 ? config.envoyConcurrency() : Runtime.getRuntime().availableProcessors())),
                NodeUser.PROXY_CAPS)));
    }

    /**
     * Hubble relay, on the agent's unix socket as its peer service, dialing the observer with the
     * node's client certificate; its own API plaintext on loopback, or TLS with relay-tls. None
     * when relay-port is 0.
     */
    private static Optional<ManagedProcess> relay(NodeConfig config, Path stateDir, Path proxyDir, NodeCertificates certificates,
                                                  NodeUser user) {
        if (config.relayPort() <= 0) {
            return Optional.empty();
        }
        Path jar = Path.of(config.home(), "services/relay/target/quarkus-app/quarkus-run.jar");
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                serviceJvm(config.home())));
        cmd.addAll(List.of("-Dsluice.relay.peer-service=unix://" + stateDir.resolve("hubble.sock"),
                "-Dsluice.relay.port=" + config.relayPort(), "-Dsluice.relay.health-port=" + config.relayHealthPort(),
                "-Dsluice.relay.tls-ca=" + certificates.ca(), "-Dsluice.relay.tls-client-cert=" + certificates.client().cert(),
                "-Dsluice.relay.tls-client-key=" + certificates.client().key(),
                "-Dquarkus.http.domain-socket=" + healthSocket(proxyDir, "relay")));
        if (config.relayTls()) {
            // TLS is for clients on other hosts; plaintext stays on loopback (the relay's default)
            cmd.addAll(List.of("-Dsluice.relay.listen-address=0.0.0.0",
                    "-Dsluice.relay.tls-server-cert=" + certificates.relayServer().cert(),
                    "-Dsluice.relay.tls-server-key=" + certificates.relayServer().key()));
        }
        cmd.addAll(List.of("-jar", jar.toString()));
        return Optional.of(new ManagedProcess("relay", stateDir, user.confine(cmd, NodeUser.NO_CAPS)));
    }

    /**
     * Where a helper serves {@code /q/health}: a unix socket in the proxy directory, the one its
     * account may write (Quarkus replaces a stale one when it binds).
     */
    private static Path healthSocket(Path proxyDir, String service) {
        return proxyDir.resolve(service + "-health.sock");
    }

    /** Where the relay serves {@code /q/health} (its readiness: the nodes it knows). */
    public Path relayHealthSocket() {
        return healthSocket(proxyDir, "relay");
    }

    public Optional<DnsProcess> dns() { return dns; }
    public Optional<ManagedProcess> relay() { return relay; }
    public Optional<ManagedProcess> xds() { return xds; }
    public Optional<ManagedProcess> envoy() { return envoy; }
    /** Whether this node has Envoy: its own process, or an external one (external-envoy-proxy). */
    public boolean l7() { return external || envoy.isPresent(); }

    public String xdsSocket() {
        return proxyDir.resolve("xds.sock").toString();
    }

    public String alsSocket() {
        return proxyDir.resolve("als.sock").toString();
    }

    public String envoyAdminSocket() {
        return proxyDir.resolve("envoy-admin.sock").toString();
    }

    /** Starts what is not running and keeps it so. */
    public void start() {
        startedHere.addAll(ensureAll());
        supervisor = Thread.ofPlatform().daemon().name("node-supervisor").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(200);
                    ensureAll();
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.errorf("supervising node processes: %s", e.getMessage());
                }
            }
        });
    }

    /** The processes it had to start. */
    private List<ManagedProcess> ensureAll() {
        List<ManagedProcess> all = new ArrayList<>();
        dns.map(DnsProcess::process).ifPresent(all::add);
        relay.ifPresent(all::add);
        xds.ifPresent(all::add);
        envoy.ifPresent(all::add);
        List<ManagedProcess> started = new ArrayList<>();
        for (ManagedProcess p : all) {
            if (p.ensure()) {
                LOG.infof("started %s (pid %d)", p.name(), p.pid());
                started.add(p);
            }
        }
        return started;
    }

    /**
     * For an agent whose start failed after {@link #start}: stops supervising and stops what this
     * start started, so that nothing it began holds the node's ports for the next attempt. What an
     * earlier agent left running keeps running: it enforces, and the next agent finds it.
     */
    public void abandonStart() {
        close();
        startedHere.reversed().forEach(ManagedProcess::stop);
    }

    /** Stops supervising; the processes keep running (an agent restart finds them). */
    @Override
    public void close() {
        if (supervisor != null) {
            supervisor.interrupt();
        }
    }

    /** Stops supervising and stops the processes. */
    public void stopAll() {
        close();
        envoy.ifPresent(ManagedProcess::stop);
        xds.ifPresent(ManagedProcess::stop);
        relay.ifPresent(ManagedProcess::stop);
        dns.map(DnsProcess::process).ifPresent(ManagedProcess::stop);
    }
}
