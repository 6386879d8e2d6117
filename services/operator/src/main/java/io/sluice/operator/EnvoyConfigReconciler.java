package io.sluice.operator;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.sluice.kube.LeanItemStore;
import io.sluice.operator.crd.CiliumEnvoyConfig;

/**
 * Each CiliumEnvoyConfig's Valid condition, at every change of its spec: its resources parsed as
 * Envoy's types, their names qualified and unique, its services' listeners present.
 */
@ControllerConfiguration(name = "cec-validation", informer = @Informer(itemStore = LeanItemStore.class))
public class EnvoyConfigReconciler implements Reconciler<CiliumEnvoyConfig> {

    @Override
    public UpdateControl<CiliumEnvoyConfig> reconcile(CiliumEnvoyConfig config, Context<CiliumEnvoyConfig> context) {
        Validation.validate(context.getClient(), config, config.getStatus() == null ? null : config.getStatus().conditions(),
                CiliumEnvoyConfig.class);
        return UpdateControl.noUpdate();
    }
}
