package io.sluice.operator;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.sluice.kube.LeanItemStore;
import io.sluice.operator.crd.CiliumClusterwideNetworkPolicy;

/** Each CiliumClusterwideNetworkPolicy's Valid condition, at every change of its spec (not of its status). */
@ControllerConfiguration(name = "ccnp-validation", informer = @Informer(itemStore = LeanItemStore.class))
public class ClusterwideNetworkPolicyReconciler implements Reconciler<CiliumClusterwideNetworkPolicy> {

    @Override
    public UpdateControl<CiliumClusterwideNetworkPolicy> reconcile(CiliumClusterwideNetworkPolicy policy, Context<CiliumClusterwideNetworkPolicy> context) {
        Validation.validate(context.getClient(), policy, policy.getStatus() == null ? null : policy.getStatus().conditions(),
                CiliumClusterwideNetworkPolicy.class);
        return UpdateControl.noUpdate();
    }
}
