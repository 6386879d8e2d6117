package io.sluice.agent.node;

import com.google.protobuf.Any;
import io.sluice.agent.bpf.DatapathSink;
import io.sluice.agent.envoy.EnvoyConfigs;
import io.sluice.agent.envoy.L7Translator;
import io.sluice.manifest.Resource;
import io.sluice.policy.Cidr;
import io.sluice.policy.Identity;
import io.sluice.agent.xds.XdsClient;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.TreeMap;

/**
 * The node's L7 proxy as the node drives it: the proxy ports (10000-20000, stable per
 * listener, kept in the store), the translator that remembers unchanged parts, the users' Envoy
 * configs with what Envoy made of each, and the ResourceSync client. Not thread-safe: the node's
 * reconciler calls it, one reconcile at a time; {@link #envoyConfigs()} may be read from anywhere.
 *
 * <p>An Envoy config Envoy rejects is taken out again, its last acknowledged version (or nothing)
 * put back, so that it never holds back the policies and the other configs; it stays out, with
 * Envoy's message, until it changes, and is tried again every {@link #RETRY_INTERVAL}
 * ({@link Rejections}).
 */
public final class ProxyControl {
    private static final Logger LOG = Logger.getLogger(ProxyControl.class);
    private final XdsClient client;
    private final L7Translator translator = new L7Translator();
    private final DatapathSink.ProxyPorts ports;
    /** The longest the datapath waits for Envoy to take a configuration before it goes ahead. */
    public static final Duration MAX_WAIT = Duration.ofSeconds(2);
    private String pendingVersion = "", forcedVersion = "", ackLogged = "";
    /** The version last counted as rejected in the metrics. */
    private String countedVersion = "";
    private long pendingSince;
    private final Map<String, Integer> storedPorts;
    /** Per Envoy config (kind/namespace/name): what Envoy last acknowledged of it, and the ports of its listeners then. */
    private final Map<String, List<Any>> acknowledged = new HashMap<>();
    private final Map<String, Map<String, Integer>> acknowledgedPorts = new HashMap<>();
    private final Rejections rejected = new Rejections();
    private volatile Map<String, ConfigState> states = Map.of();
    /** The configs of the last configure, and what each became: which Service frontends go to which listener. */
    private Map<String, Resource.EnvoyConfig> configsNow = Map.of();
    private Map<String, EnvoyConfigs.Translated> translatedNow = Map.of();

    /** Cilium's envoy-config-retry-interval. */
    public static final Duration RETRY_INTERVAL = Rejections.RETRY_INTERVAL;

    /**
     * What Envoy made of one Envoy config: {@code programmed} True (acknowledged), False (rejected:
     * message is Envoy's; the last acknowledged version stays in force) or Unknown (not answered yet);
     * the port each of its listeners listens on.
     */
    public record ConfigState(String programmed, String message, Map<String, Integer> listenerPorts) {}

    /** storedPorts is the store's listener -> port map; new listeners get a port there. */
    public ProxyControl(XdsClient client, Map<String, Integer> storedPorts) {
        this.client = client;
        this.storedPorts = storedPorts;
        client.onConverged(NodeMetrics::converged);
        this.ports = new DatapathSink.ProxyPorts(port(storedPorts, "ingress"), port(storedPorts, "egress"), Map.of());
    }

    /** What Envoy made of each Envoy config, by kind/namespace/name. */
    public Map<String, ConfigState> envoyConfigs() {
        return states;
    }

    XdsClient client() {
        return client;
    }

    /** The policies' own listeners, and the users' listeners that Envoy runs (acknowledged), by qualified name. */
    DatapathSink.ProxyPorts ports() {
        Map<String, Integer> listeners = new HashMap<>();
        acknowledgedPorts.values().forEach(listeners::putAll);
        return new DatapathSink.ProxyPorts(ports.ingress(), ports.egress(), listeners);
    }

    /**
     * Why a listener a policy names (qualified, {@code ns/cec/listener} or {@code /ccec/listener})
     * takes no connections, or empty when Envoy runs it.
     */
    String listenerProblem(String listener) {
        if (acknowledgedPorts.values().stream().anyMatch(p -> p.containsKey(listener))) {
            return "";
        }
        int last = listener.lastIndexOf('/'), first = listener.indexOf('/');
        String namespace = listener.substring(0, first), name = listener.substring(first + 1, last);
        String kind = namespace.isEmpty() ? "CiliumClusterwideEnvoyConfig" : "CiliumEnvoyConfig";
        String config = kind + " " + (namespace.isEmpty() ? name : namespace + "/" + name);
        String key = kind + "/" + namespace + "/" + name;
        EnvoyConfigs.Translated t = translatedNow.get(key);
        if (t == null) {
            return "no " + config;
        }
        if (!t.listenerPorts().containsKey(listener)) {
            return config + " has no listener '" + listener.substring(last + 1) + "'";
        }
        Rejections.Rejection r = rejected.get(key);
        return config + (r != null ? " was rejected by Envoy: " + r.message() : " is not acknowledged by Envoy yet");
    }

    /**
     * Pushes the policies' L7 configuration and the Envoy configs, then waits as {@link #await}
     * says; a rejection names the configs that changed, which go out (see the class). Returns
     * whether the push is settled.
     */
    boolean configure(DesiredState desired, List<Resource.EnvoyConfig> configs, Cidr podCidr, int router, Duration wait) {
        Map<Cidr, Integer> cidrIds = new HashMap<>();
        desired.identities().stream().filter(Identity::local).forEach(i -> i.labels().all().forEach(l ->
                Cidr.parse(l.key()).ifPresent(c -> cidrIds.put(c, i.id()))));
        List<Any> l7 = translator.translate(L7Configs.of(desired.policies(), cidrIds, podCidr, router, ports));
        Set<String> named = new java.util.HashSet<>();
        desired.policies().values().forEach(p -> p.entries().values().forEach(e -> {
            if (e.listener().present()) {
                named.add(e.listener().name());
            }
        }));
        Map<String, EnvoyConfigs.Translated> translated = new TreeMap<>();
        for (Resource.EnvoyConfig c : configs) {
            translated.put(Node.key(c), EnvoyConfigs.translate(c, name -> port(storedPorts, name), desired.frontends(), named));
        }
        Map<String, Resource.EnvoyConfig> byKey = new TreeMap<>();
        configs.forEach(c -> byKey.put(Node.key(c), c));
        configsNow = byKey;
        translatedNow = translated;
        rejected.keepOnly(byKey);
        rejected.takeDue(translated);
        acknowledged.keySet().retainAll(byKey.keySet());
        acknowledgedPorts.keySet().retainAll(byKey.keySet());
        int rebinds = 0;
        while (true) {
            // configs naming the same Service publish the same assignment: Envoy gets it once
            Set<Any> resources = new LinkedHashSet<>(l7);
            translated.forEach((k, t) -> resources.addAll(rejected.contains(k) ? acknowledged.getOrDefault(k, List.of())
                    : t.resources()));
            String version = client.push(EnvoyConfigs.tieAssignmentsToClusters(List.copyOf(resources)));
            boolean settled = await(version, wait);
            var status = client.status();
            if (client.acknowledged(version)) {
                translated.forEach((k, t) -> {
                    if (!rejected.contains(k)) {
                        acknowledged.put(k, t.resources());
                        acknowledgedPorts.put(k, t.listenerPorts());
                    }
                });
            }
            // Envoy refused it: the configs that changed since it last acknowledged them go out
            // (their last good version back in), and the rest is pushed again.
            List<String> culprits = status.rejected(version) ? translated.entrySet().stream()
                    .filter(e -> !rejected.contains(e.getKey()) && !e.getValue().resources().equals(acknowledged.get(e.getKey())))
                    .map(Map.Entry::getKey).toList() : List.of();
            String reason = EnvoyConfigs.reason(status.lastNack());
            // A listener whose proxy port something else took meanwhile (Envoy: cannot bind) gets
            // another port, and its config is tried again rather than refused.
            if (!culprits.isEmpty() && rebinds < MAX_REBINDS && moveUnboundListeners(reason, culprits, translated)) {
                rebinds++;
                for (String k : culprits) {
                    EnvoyConfigs.Translated t = EnvoyConfigs.translate(byKey.get(k), name -> port(storedPorts, name), desired.frontends(),
                            named);
                    translated.put(k, rejected.marked(k, t));
                }
                continue;
            }
            culprits.forEach(k -> rejected.reject(k, byKey.get(k).source(), reason));
            publish(translated, version);
            if (culprits.isEmpty()) {
                rejected.scheduleRetry();
                return settled;
            }
        }
    }

    private static final int MAX_REBINDS = 3;
    private static final java.util.regex.Pattern CANNOT_BIND = java.util.regex.Pattern.compile("cannot bind '[^']*:(\\d+)'");

    /**
     * When Envoy could not bind a port the node gave one of these configs' listeners, forgets that
     * port (a new one is chosen, free when chosen) and returns true.
     */
    private boolean moveUnboundListeners(String reason, List<String> culprits, Map<String, EnvoyConfigs.Translated> translated) {
        java.util.regex.Matcher m = CANNOT_BIND.matcher(reason);
        boolean moved = false;
        while (m.find()) {
            int port = Integer.parseInt(m.group(1));
            for (String k : culprits) {
                for (Map.Entry<String, Integer> l : translated.get(k).listenerPorts().entrySet()) {
                    if (l.getValue() == port && storedPorts.remove(l.getKey(), port)) {
                        LOG.warnf("%s: port %d of listener %s is taken by another process; choosing another", k, port, l.getKey());
                        moved = true;
                    }
                }
            }
        }
        return moved;
    }

    /**
     * The Service frontends Envoy listeners take: each config's {@code services} (all ports, or the
     * listed ones) to its listener (named, or its first), once Envoy acknowledged the config. A
     * config Envoy never acknowledged takes none: its Services stay balanced by the datapath.
     */
    List<DatapathSink.L7Frontend> l7Frontends(List<io.sluice.agent.service.Frontend> frontends) {
        List<DatapathSink.L7Frontend> out = new java.util.ArrayList<>();
        configsNow.forEach((key, config) -> {
            EnvoyConfigs.Translated t = translatedNow.get(key);
            if (t == null || !acknowledged.containsKey(key)) {
                return;
            }
            for (Resource.RedirectedService rs : config.services()) {
                Integer port = t.listenerPorts().get(rs.listener().isEmpty() ? t.firstListener() : rs.listener());
                if (port == null) {
                    continue;
                }
                frontends.stream().filter(f -> f.service().equals(rs.namespace() + "/" + rs.name())
                                && f.protocol() == io.sluice.policy.Protocol.TCP && (rs.ports().isEmpty() || rs.ports().contains(f.port())))
                        .forEach(f -> out.add(new DatapathSink.L7Frontend(f.vip(), f.port(), port)));
            }
        });
        return out;
    }

    private void publish(Map<String, EnvoyConfigs.Translated> translated, String version) {
        Map<String, ConfigState> out = new TreeMap<>();
        translated.forEach((k, t) -> {
            Rejections.Rejection r = rejected.get(k);
            out.put(k, r != null ? new ConfigState("False", r.message(), t.listenerPorts())
                    : client.acknowledged(version) || t.resources().equals(acknowledged.get(k))
                    ? new ConfigState("True", "", t.listenerPorts())
                    : new ConfigState("Unknown", "waiting for Envoy to acknowledge it", t.listenerPorts()));
        });
        states = Map.copyOf(out);
    }

    /**
     * Envoy gets the configuration first, and the datapath starts redirecting only once Envoy
     * settled it: acknowledged it, rejected it (Envoy keeps its last good configuration), or
     * {@link #MAX_WAIT} passed since it was first pushed (then the datapath goes ahead: a missing
     * listener drops, it never bypasses). Waits up to wait for that; returns whether it is settled.
     */
    private boolean await(String version, Duration wait) {
        long now = System.nanoTime();
        if (!version.equals(pendingVersion)) {
            pendingVersion = version;
            pendingSince = now;
        }
        try {
            var status = client.await(version, wait);
            long ms = (System.nanoTime() - pendingSince) / 1_000_000;
            if (status.rejected(version)) {
                if (!version.equals(countedVersion)) {
                    countedVersion = version;
                    NodeMetrics.rejected();
                }
                LOG.warnf("Envoy rejected configuration %s: %s", version, status.lastNack());
                return true;
            }
            if (client.acknowledged(version)) {
                if (ms > 500 && !version.equals(ackLogged)) {
                    ackLogged = version;
                    LOG.infof("Envoy acknowledged configuration %s in %d ms", version, ms);
                }
                return true;
            }
            if (ms >= MAX_WAIT.toMillis() || !wait.isZero()) { // a caller that waited gets an answer
                if (!version.equals(forcedVersion)) {
                    forcedVersion = version;
                    LOG.warnf("Envoy has not acknowledged configuration %s after %d ms%s; the datapath redirects to it anyway",
                            version, ms, status.envoyConnected() ? "" : " (Envoy is not connected)");
                }
                return true;
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** Runs r when a rejected config is due to be tried again: the caller reconciles. */
    public void onRetryDue(Runnable r) {
        rejected.onRetryDue(r);
    }

    /** Runs r whenever envoy-xds reports a change of Envoy's state (an acknowledgement, a rejection, a connection). */
    public void onEnvoyChange(Runnable r) {
        client.onChange(r);
    }

    /** A proxy port from 10000-20000, stable per listener, free when first chosen. */
    private static int port(Map<String, Integer> stored, String listener) {
        return stored.computeIfAbsent(listener, k -> {
            for (int p = 10000; p <= 20000; p++) {
                if (!stored.containsValue(p) && ProxyPortProbe.free(p)) {
                    return p;
                }
            }
            throw new NodeException(507, "no free proxy port in 10000-20000");
        });
    }
}
