package io.sluice.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

@Group("cilium.io")
@Version("v2")
@Kind("CiliumClusterwideEnvoyConfig")
@Plural("ciliumclusterwideenvoyconfigs")
@Singular("ciliumclusterwideenvoyconfig")
@ShortNames({"ccec"})
@Categories({"cilium"})
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Valid", jsonPath = ".status.conditions[?(@.type=='Valid')].status",
        type = AdditionalPrinterColumn.Type.STRING)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CiliumClusterwideEnvoyConfig extends CustomResource<EnvoyConfigSpec, EnvoyConfigStatus> {}
