package io.sluice.agent.node;

import io.sluice.agent.bpf.DatapathSink;
import io.sluice.agent.envoy.L7Translator;
import io.sluice.policy.Cidr;
import io.sluice.policy.Identity;
import io.sluice.agent.xds.XdsClient;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The node's L7 proxy as the node drives it: the two proxy ports (10000-20000, stable per
 * listener, kept in the store), the translator that remembers unchanged parts, and the
 * ResourceSync client. Not thread-safe: the node's reconciler calls it, one reconcile at a time.
 */
public final class ProxyControl {
    private static final Logger LOG = Logger.getLogger(ProxyControl.class);
    private final XdsClient client;
    private final L7Translator translator = new L7Translator();
    private final DatapathSink.ProxyPorts ports;
    /** The longest the datapath waits for Envoy to take a configuration before it goes ahead. */
    public static final Duration MAX_WAIT = Duration.ofSeconds(2);
    private String pendingVersion = "", forcedVersion = "";
    private long pendingSince;

    /** storedPorts is the store's listener -> port map; new listeners get a port there. */
    public ProxyControl(XdsClient client, Map<String, Integer> storedPorts) {
        this.client = client;
        this.ports = new DatapathSink.ProxyPorts(port(storedPorts, "ingress"), port(storedPorts, "egress"));
    }

    XdsClient client() {
        return client;
    }

    DatapathSink.ProxyPorts ports() {
        return ports;
    }

    /**
     * Envoy gets the configuration first, and the datapath starts redirecting only once Envoy
     * settled it: acknowledged it, rejected it (Envoy keeps its last good configuration), or
     * {@link #MAX_WAIT} passed since it was first pushed (then the datapath goes ahead: a missing
     * listener drops, it never bypasses). Waits up to wait for that; returns whether it is settled.
     */
    boolean configure(DesiredState desired, Cidr podCidr, int router, Duration wait) {
        Map<Cidr, Integer> cidrIds = new HashMap<>();
        desired.identities().stream().filter(Identity::local).forEach(i -> i.labels().all().forEach(l ->
                Cidr.parse(l.key()).ifPresent(c -> cidrIds.put(c, i.id()))));
        String version = client.push(translator.translate(L7Configs.of(desired.policies(), cidrIds, podCidr, router, ports)));
        long now = System.nanoTime();
        if (!version.equals(pendingVersion)) {
            pendingVersion = version;
            pendingSince = now;
        }
        try {
            var status = client.await(version, wait);
            long ms = (System.nanoTime() - pendingSince) / 1_000_000;
            if (status.rejected(version)) {
                LOG.warnf("Envoy rejected configuration %s: %s", version, status.lastNack());
                return true;
            }
            if (client.acknowledged(version)) {
                if (ms > 500) {
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
