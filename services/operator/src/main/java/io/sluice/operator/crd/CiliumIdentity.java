package io.sluice.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

import java.util.Map;

/**
 * A security identity shared by every node: named by its number (256 and up), carrying the label
 * set it stands for at the top level, as Cilium's ({@code security-labels}, keys with their source
 * prefix: {@code k8s:app}, {@code k8s:io.kubernetes.pod.namespace}).
 */
@Group("cilium.io")
@Version("v2")
@Kind("CiliumIdentity")
@Plural("ciliumidentities")
@Singular("ciliumidentity")
@ShortNames({"ciliumid"})
@AdditionalPrinterColumn(name = "Namespace", jsonPath = ".metadata.labels.io\\.kubernetes\\.pod\\.namespace",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CiliumIdentity extends CustomResource<Void, Void> {
    @Required
    @JsonProperty("security-labels")
    private Map<String, String> securityLabels;

    @JsonProperty("security-labels")
    public Map<String, String> getSecurityLabels() {
        return securityLabels;
    }

    @JsonProperty("security-labels")
    public void setSecurityLabels(Map<String, String> securityLabels) {
        this.securityLabels = securityLabels;
    }
}
