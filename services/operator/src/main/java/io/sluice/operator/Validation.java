package io.sluice.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.sluice.operator.crd.Condition;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Writes an object's {@code status.conditions} (Valid) when its verdict changed. A merge patch of
 * the status subresource that replaces {@code conditions} only: the agents' {@code status.nodes}
 * entries stay as they wrote them. Shared by the reconcilers of the policy and Envoy config kinds.
 */
final class Validation {
    private static final Logger LOG = Logger.getLogger(Validation.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private Validation() {}

    /** @param conditions the object's conditions as they are now (null when it has no status) */
    static <P extends CustomResource<?, ?>> void validate(KubernetesClient client, P policy, List<Condition> conditions,
                                                         Class<P> type) {
        Optional<Condition> previous = Validity.find(conditions);
        Condition next = Validity.of(client.getKubernetesSerialization().convertValue(policy, ObjectNode.class), previous,
                Instant.now());
        if (!Validity.changed(previous, next)) {
            return;
        }
        ObjectNode patch = JSON.createObjectNode();
        patch.putObject("status").set("conditions", JSON.valueToTree(List.of(next)));
        var resources = client.resources(type);
        var one = policy.getMetadata().getNamespace() == null ? resources.withName(policy.getMetadata().getName())
                : resources.inNamespace(policy.getMetadata().getNamespace()).withName(policy.getMetadata().getName());
        one.subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
        LOG.infof("%s %s: Valid=%s%s", policy.getKind(), key(policy), next.status(),
                "False".equals(next.status()) ? " (" + next.message() + ")" : "");
    }

    private static String key(CustomResource<?, ?> r) {
        return r.getMetadata().getNamespace() == null ? r.getMetadata().getName()
                : r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
    }
}
