package io.sluice.operator;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.sluice.kube.LeanItemStore;
import io.sluice.operator.crd.CiliumNetworkPolicy;

/** Each CiliumNetworkPolicy's Valid condition, at every change of its spec (not of its status). */
@ControllerConfiguration(name = "cnp-validation", informer = @Informer(itemStore = LeanItemStore.class))
public class NetworkPolicyReconciler implements Reconciler<CiliumNetworkPolicy> {

    @Override
    public UpdateControl<CiliumNetworkPolicy> reconcile(CiliumNetworkPolicy policy, Context<CiliumNetworkPolicy> context) {
        Validation.validate(context.getClient(), policy, policy.getStatus() == null ? null : policy.getStatus().conditions(),
                CiliumNetworkPolicy.class);
        return UpdateControl.noUpdate();
    }
}
