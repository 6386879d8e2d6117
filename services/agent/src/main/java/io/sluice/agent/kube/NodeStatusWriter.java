package io.sluice.agent.kube;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Says on each CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy whether this node enforces
 * it, so {@code kubectl get cnp -o yaml} names the node that does not, and why:
 * <pre>
 * status:
 *   nodes: {NODE: {ok: false, enforcing: false, error: "...", lastUpdated: ...}}
 * </pre>
 * and on each CiliumEnvoyConfig and CiliumClusterwideEnvoyConfig what this node's Envoy made of it:
 * <pre>
 * status:
 *   nodes: {NODE: {programmed: "False", message: "(Envoy's)", listeners: {ns/cec/l: 10001}, lastUpdated: ...}}
 * </pre>
 * Only this node's entry: the object's {@code Valid} condition (the VALID column) is the
 * operator's, from the same validator. A merge patch of the status subresource, written off the
 * reconcile thread and only when it changed; a write that fails (the API server away) is tried
 * again at the next change.
 */
final class NodeStatusWriter implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(NodeStatusWriter.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final KubernetesClient client;
    private final String node;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name("status-writer")
            .daemon().unstarted(r));
    /** Object key -> the verdict last written (without the object), so an unchanged verdict is not written again. */
    private final Map<String, List<Object>> written = new ConcurrentHashMap<>();
    /** The same for the Envoy configs. */
    private final Map<String, List<Object>> writtenConfigs = new ConcurrentHashMap<>();

    NodeStatusWriter(KubernetesClient client, String node) {
        this.client = client;
        this.node = node;
    }

    /** The status patch of a verdict: this node's entry (whether it enforces the policy, and why not). */
    ObjectNode patch(KubeInputs.PolicyVerdict v, Instant now) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode mine = root.putObject("status").putObject("nodes").putObject(node);
        mine.put("ok", v.enforced());
        mine.put("enforcing", v.enforced());
        if (!v.enforced()) {
            mine.put("error", v.error());
        }
        mine.put("lastUpdated", now.truncatedTo(ChronoUnit.SECONDS).toString());
        return root;
    }

    /** The status patch of an Envoy config: this node's entry (what its Envoy made of it). */
    ObjectNode patch(io.sluice.agent.node.ProxyControl.ConfigState state, Instant now) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode mine = root.putObject("status").putObject("nodes").putObject(node);
        mine.put("programmed", state.programmed());
        if (!state.message().isEmpty()) {
            mine.put("message", state.message());
        }
        ObjectNode listeners = mine.putObject("listeners");
        new java.util.TreeMap<>(state.listenerPorts()).forEach(listeners::put);
        mine.put("lastUpdated", now.truncatedTo(ChronoUnit.SECONDS).toString());
        return root;
    }

    /** Writes the verdicts that changed since they were last written. */
    void report(List<KubeInputs.PolicyVerdict> verdicts) {
        java.util.Set<String> keys = new java.util.HashSet<>();
        for (KubeInputs.PolicyVerdict v : verdicts) {
            String key = key(v.policy());
            keys.add(key);
            List<Object> seen = List.of(v.enforced(), v.error());
            if (!seen.equals(written.put(key, seen))) {
                writer.execute(() -> write(v.policy(), written, key, seen, () -> patch(v, Instant.now())));
            }
        }
        written.keySet().retainAll(keys);
    }

    /** Writes what Envoy made of each Envoy config (by its object), where that changed since it was last written. */
    void reportEnvoyConfigs(Map<GenericKubernetesResource, io.sluice.agent.node.ProxyControl.ConfigState> states) {
        java.util.Set<String> keys = new java.util.HashSet<>();
        states.forEach((object, state) -> {
            String key = key(object);
            keys.add(key);
            List<Object> seen = List.of(state.programmed(), state.message(), state.listenerPorts());
            if (!seen.equals(writtenConfigs.put(key, seen))) {
                writer.execute(() -> write(object, writtenConfigs, key, seen, () -> patch(state, Instant.now())));
            }
        });
        writtenConfigs.keySet().retainAll(keys);
    }

    static String key(GenericKubernetesResource p) {
        return p.getKind() + "/" + java.util.Objects.requireNonNullElse(p.getMetadata().getNamespace(), "") + "/"
                + p.getMetadata().getName();
    }

    private void write(GenericKubernetesResource p, Map<String, List<Object>> family, String key, List<Object> seen,
                       java.util.function.Supplier<ObjectNode> patch) {
        try {
            var resources = client.genericKubernetesResources(ClusterWatch.definition(p.getKind()));
            var one = p.getMetadata().getNamespace() == null ? resources.withName(p.getMetadata().getName())
                    : resources.inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName());
            one.subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), patch.get().toString());
        } catch (RuntimeException e) {
            family.remove(key, seen); // tried again at the next change
            LOG.warnf("cannot write the status of %s: %s", key, e.getMessage());
        }
    }

    @Override
    public void close() {
        writer.shutdownNow();
    }
}
