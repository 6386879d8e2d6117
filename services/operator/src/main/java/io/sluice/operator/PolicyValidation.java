package io.sluice.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.sluice.operator.crd.Condition;
import io.sluice.operator.crd.PolicyStatus;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Writes a policy's {@code status.conditions} (Valid) when its verdict changed. A merge patch of
 * the status subresource that replaces {@code conditions} only: the agents' {@code status.nodes}
 * entries stay as they wrote them. Shared by the reconcilers of both policy kinds.
 */
final class PolicyValidation {
    private static final Logger LOG = Logger.getLogger(PolicyValidation.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private PolicyValidation() {}

    static <P extends CustomResource<?, PolicyStatus>> void validate(KubernetesClient client, P policy, Class<P> type) {
        PolicyStatus status = policy.getStatus();
        Optional<Condition> previous = Validity.find(status == null ? null : status.conditions());
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
