package io.sluice.agent.config;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sluice.agent.als.AccessLogServer;
import io.sluice.agent.bpf.DatapathSync;
import io.sluice.agent.bpf.EventLog;
import io.sluice.agent.cgroup.CpuPriority;

import io.sluice.agent.hubble.FlowBuffer;
import io.sluice.agent.hubble.FlowParser;
import io.sluice.agent.hubble.HubbleMetrics;
import io.sluice.agent.hubble.MetricsServer;
import io.sluice.agent.hubble.Observer;
import io.sluice.agent.hubble.ObserverService;
import io.sluice.agent.hubble.PeerService;
import io.sluice.agent.netns.HostBefore;
import io.sluice.agent.netns.HostNetwork;
import io.sluice.agent.netns.SharedHost;
import io.sluice.agent.proc.NodeUser;
import io.sluice.agent.tls.NodeCertificates;
import io.sluice.api.hubble.HubbleNames;
import io.sluice.api.hubble.HubbleServer;
import io.sluice.api.hubble.ServerTls;
import io.sluice.api.hubble.flow.LostEventSource;
import io.sluice.agent.proc.DetachedProcess;
import io.sluice.agent.node.Node;
import io.sluice.agent.node.NodeMetrics;
import io.sluice.agent.node.NodeView;
import io.sluice.agent.kube.ClusterWatch;
import io.sluice.agent.kube.KubeNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.inject.Instance;
import io.sluice.policy.Cidr;
import io.sluice.agent.xds.XdsClient;
import io.sluice.agent.store.NodeStore;
import io.sluice.agent.store.PodRecord;
import io.sluice.bpf.BpfFs;
import io.sluice.bpf.RingBufferReader;
import io.sluice.bpf.datapath.Datapath;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Starts the node at application start: bpffs, host network, the datapath (reusing pinned
 * maps), the node's reconcile, the cluster DNS and the event reader. On shutdown it closes
 * its descriptors only: programs and maps stay, so pods stay enforced while no agent runs.
 */
@ApplicationScoped
public class NodeRuntime {
    private static final Logger LOG = Logger.getLogger(NodeRuntime.class);
    private final NodeConfig config;
    private StateDirectory state;
    private NodeCertificates certificates;
    private Datapath datapath;
    private NodeProcesses processes;
    private AccessLogServer accessLogs;
    private CpuPriority ingestPriority = new CpuPriority.Normal("no proxy on this node");
    private Optional<XdsClient> xds = Optional.empty();
    private RingBufferReader reader;
    private HostNetwork host;
    /** The standalone node; null in Kubernetes mode. */
    private Node node;
    /** The node the rest of the agent reads: the standalone node or the Kubernetes node. */
    private NodeView view;
    private KubeNode kube;
    private final Instance<KubernetesClient> kubernetes;
    /**
     * The monitor's backlog. Small enough to stay in the young generation's survivor space at
     * thousands of events a second (docs/benchmarks.md, Footprint); Hubble's flow buffer keeps the long history.
     */
    private final EventLog events = new EventLog(2048);
    private Observer observer;
    private HubbleServer hubble;
    private MetricsServer metrics;
    private Thread lossWatch;
    private volatile boolean purged;

    /** The node API's socket, which the CNI plugin calls. */
    private final String apiSocket;

    /** The node's own metrics (node/NodeMetrics, JVM), served after Hubble's on the metrics port. */
    private final Instance<io.micrometer.prometheus.PrometheusMeterRegistry> prometheus;

    NodeRuntime(NodeConfig config, Instance<KubernetesClient> kubernetes,
                @org.eclipse.microprofile.config.inject.ConfigProperty(name = "quarkus.http.domain-socket") String apiSocket,
                Instance<io.micrometer.prometheus.PrometheusMeterRegistry> prometheus) {
        this.config = config;
        this.kubernetes = kubernetes;
        this.apiSocket = apiSocket;
        this.prometheus = prometheus;
    }

    void onStart(@Observes StartupEvent ev) {
        long t0 = System.nanoTime();
        BpfFs.ensureMounted();
        try {
            Files.createDirectories(Path.of(config.stateDir(), "pods"));
            // as `sluice up` writes it; an agent that a DaemonSet runs writes it itself
            Files.writeString(Path.of(config.stateDir(), "agent.pid"), Long.toString(ProcessHandle.current().pid()));
        } catch (IOException e) {
            throw new UncheckedIOException("create state dir " + config.stateDir(), e);
        }
        // The host as the first node found it, before this node makes its account.
        SharedHost.RUN.join(config.namePrefix(), () -> HostBefore.observe(NodeUser.exists(config.runAs())).text());
        state = new StateDirectory(Path.of(config.stateDir()), NodeUser.ensure(config.runAs()));
        state.secure();
        certificates = NodeCertificates.issue(Path.of(config.stateDir(), "tls"), nodeName(config));
        state.shareWithRelay(certificates);
        datapath = Datapath.open(Path.of(config.pinRoot()));
        DatapathSync sync = new DatapathSync(datapath);
        NodeMetrics.mapPressure(sync);
        processes = new NodeProcesses(config, certificates, state, Cidr.format(
                Cidr.parse(config.podCidr()).orElseThrow().host(1)));
        xds = processes.l7() ? Optional.of(new XdsClient(processes.xdsSocket()))
                : Optional.empty();
        NodeStore store = new NodeStore(Path.of(config.stateDir()));
        if (config.kubernetes()) {
            config.cniChainingTarget().ifPresent(network -> io.sluice.agent.kube.CniChaining.setUp(
                    Path.of(config.home(), "bin", io.sluice.agent.kube.CniChaining.PLUGIN), Path.of(config.cniBinDir()),
                    Path.of(config.cniConfDir()), network, apiSocket));
            KubernetesClient client = kubernetes.get();
            String name = nodeName(config);
            // The cluster's DNS (CoreDNS) answers for its services; this node serves no zone.
            kube = new KubeNode(onChange -> new ClusterWatch(client, name, onChange), sync, zone -> { }, xds,
                    store, Cidr.parse(config.podCidr()).orElseThrow(), Cidr.parse(config.serviceCidr()).orElseThrow());
            view = kube;
        } else {
            node = new Node(config, store, sync, processes.dns().orElseThrow().zone()::write, xds);
            view = node;
        }
        host = new HostNetwork(view.router(), view.podCidr(), view.serviceCidr());
        host.setUp();
        if (processes.l7()) {
            datapath.attachLoopback();
            attachDevices();
        }
        sync.config(view.serviceCidr(), config.allowHostIngress());
        processes.start();
        try {
            serve();
        } catch (RuntimeException e) {
            // e.g. a port taken: a retry must find the node's ports free, not held by what this start began
            processes.abandonStart();
            throw e;
        }
        LOG.infof("%s ready in %d ms: %d endpoints, %d policies, %d services, pins under %s", view.describe(),
                (System.nanoTime() - t0) / 1_000_000, view.endpoints(), view.policies(), view.services(), config.pinRoot());
    }

    /** The node's inputs, Hubble's observer, access logs and datapath events, once its processes run. */
    private void serve() {
        if (kube != null) {
            kube.start(Duration.ofSeconds(60));
        } else {
            node.restore();
        }
        startHubble();
        if (processes.l7()) {
            ingestPriority = CpuPriority.idleGroup(config.namePrefix() + "-flow-ingest");
            LOG.infof("access logs become flows at %s", ingestPriority.describe());
            accessLogs = new AccessLogServer(Path.of(processes.alsSocket()), r -> {
                events.addL7(r, view::identityOf);
                observer.l7(r);
            }, ingestPriority);
            state.shareSocket(Path.of(processes.alsSocket()));
        }
        reader = datapath.readEvents(e -> {
            events.add(e);
            observer.datapathEvent(e, events.wallClockNanos(e));
        });
    }

    /** Hubble's observer (unix socket and TCP), its metrics, and the count of events the datapath could not hand over. */
    private void startHubble() {
        String name = nodeName(config);
        HubbleMetrics counters = new HubbleMetrics();
        int capacity = config.hubbleBufferCapacity();
        FlowBuffer buffer = new FlowBuffer(capacity,
                config.hubbleBufferMib() > 0 ? (long) config.hubbleBufferMib() << 20 : FlowBuffer.defaultBytes(capacity));
        observer = new Observer(name, new FlowParser(name, view::directory), buffer, counters);
        Path socket = Path.of(config.stateDir(), "hubble.sock");
        // What the Peer API announces: TCP (mutual TLS, as Hubble's with tls.auto) when the
        // observer has a port, else its unix socket (root only).
        String address = config.hubblePort() > 0 ? config.hubblePeerHost().orElse("127.0.0.1") + ":" + config.hubblePort()
                : "unix://" + socket;
        String serverName = config.hubblePort() > 0 ? NodeCertificates.serverName(name) : "";
        hubble = new HubbleServer("hubble-server-version", HubbleNames.VERSION, socket,
                config.hubblePort() > 0 ? new InetSocketAddress(config.hubblePort()) : null, observerTls(),
                new ObserverService(observer, view::directory, address), new PeerService(name, address, serverName));
        state.shareSocket(socket);
        if (config.hubbleMetricsPort() > 0) {
            metrics = new MetricsServer(new InetSocketAddress(config.hubbleMetricsPort()), counters,
                    () -> prometheus.isResolvable() ? prometheus.get().scrape() : "");
        }
        long before = datapath.eventsLost();
        lossWatch = Thread.ofVirtual().name("event-loss").start(() -> {
            long seen = before;
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
                long now = datapath.eventsLost();
                observer.lost(LostEventSource.PERF_EVENT_RING_BUFFER, now - seen);
                seen = now;
            }
        });
    }

    /**
     * Mutual TLS of the observer: the node's certificate, or on a cluster the chart's (signed by
     * the cluster's Hubble CA for {@code *.default.hubble-grpc.cilium.io}), admitting the clients of both CAs.
     */
    private ServerTls observerTls() {
        if (config.hubbleTlsDir().isEmpty()) {
            NodeCertificates.Pair cert = certificates.server();
            return new ServerTls.MutualTls(cert.cert(), cert.key(), certificates.ca());
        }
        Path dir = Path.of(config.hubbleTlsDir().get());
        return new ServerTls.MutualTls(dir.resolve("tls.crt"), dir.resolve("tls.key"), certificates.trusting(dir.resolve("ca.crt")));
    }

    static String nodeName(NodeConfig config) {
        if (config.nodeName().isPresent()) {
            return config.nodeName().get();
        }
        String fromEnv = System.getenv("K8S_NODE_NAME");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "sluice-node";
        }
    }

    public Observer observer() {
        return observer;
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (!purged) {
            close();
        }
    }

    /** The standalone node, for what only it has (pods it runs, objects applied to it). */
    public Node node() {
        view();
        if (node == null) {
            throw new io.sluice.agent.node.NodeException(409, "this node takes its pods, services and policies from the"
                    + " Kubernetes API server; use kubectl");
        }
        return node;
    }

    /** The node as the rest of the agent reads it, in either mode. */
    public NodeView view() {
        if (purged) {
            throw new io.sluice.agent.node.NodeException(503, "node was purged; run 'sluice up' again");
        }
        return view;
    }

    /** The Kubernetes node, for the CNI plugin. */
    public KubeNode kube() {
        view();
        if (kube == null) {
            throw new io.sluice.agent.node.NodeException(409, "this is a standalone node; the CNI plugin serves Kubernetes nodes");
        }
        return kube;
    }

    public EventLog events() {
        return events;
    }

    public NodeConfig config() {
        return config;
    }

    /** Where Envoy's access logs become flows. */
    public CpuPriority ingestPriority() {
        return ingestPriority;
    }

    public NodeProcesses processes() {
        return processes;
    }

    /** Stops the node's processes (DNS, envoy-xds, Envoy, then the agent); pods and L3/L4 enforcement stay. */
    public void shutdown() {
        processes.stopAll();
        Quarkus.asyncExit(0);
    }

    /** The node's devices that exist now, by name, with their ifindex; one that is missing is logged and left out. */
    private Map<String, Integer> devices() {
        Map<String, Integer> found = new java.util.LinkedHashMap<>();
        for (String name : config.devices().orElse(List.of())) {
            try {
                found.put(name, HostNetwork.ifindex(name));
            } catch (UncheckedIOException | NumberFormatException e) {
                LOG.errorf("devices: no device %s on this host; connections arriving there do not reach the proxy", name);
            }
        }
        return found;
    }

    private void attachDevices() {
        devices().forEach((name, ifindex) -> {
            datapath.attachDevice(ifindex);
            LOG.infof("from_netdev attached to %s (ifindex %d)", name, ifindex);
        });
    }

    /** Removes everything the node made: pods, programs, pins, host routes and the store. */
    public synchronized void purge() {
        view();
        if (node != null) {
            for (PodRecord p : node.state().pods().values()) {
                new DetachedProcess(p.pid(), p.startTicks()).stop(Duration.ofSeconds(2));
                node.network(p).delete();
            }
        }
        close();
        ingestPriority.remove();
        processes.stopAll();
        devices().forEach((name, ifindex) -> {
            Datapath.detachDevice(ifindex);
            HostNetwork.removeEmptyClsact(name);
        });
        Datapath.unpinAll(Path.of(config.pinRoot()));
        host.tearDown();
        SharedHost.RUN.leave(config.namePrefix()).map(HostBefore::parse).ifPresent(before -> {
            // the host's last node: lo's program served them all (Datapath.attachLoopback)
            HostNetwork.restore(before);
            Datapath.detachLoopback();
            if (!before.loClsact()) {
                HostNetwork.removeEmptyClsact("lo");
            }
            if (!before.account()) {
                NodeUser.remove(config.runAs());
            }
        });
        state.release();
        try {
            Files.deleteIfExists(Path.of(config.stateDir(), "state.json"));
        } catch (IOException e) {
            throw new UncheckedIOException("remove store", e);
        }
        purged = true;
    }

    private void close() {
        if (kube != null) {
            kube.close();
        }
        if (processes != null) {
            processes.close();
        }
        xds.ifPresent(XdsClient::close);
        if (accessLogs != null) {
            accessLogs.close();
        }
        if (reader != null) {
            reader.close();
        }
        if (lossWatch != null) {
            lossWatch.interrupt();
        }
        if (hubble != null) {
            hubble.close();
        }
        if (metrics != null) {
            metrics.close();
        }
        if (datapath != null) {
            datapath.close();
        }
    }
}
