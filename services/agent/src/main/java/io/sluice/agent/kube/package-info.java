/**
 * The agent's Kubernetes mode: the node's inputs from the API server (informers on Pods of this
 * node, Namespaces, Services, EndpointSlices and Cilium's network policies), pods attached by
 * the chained CNI plugin {@code sluice-cni} or found by their address's route, and the same
 * {@link io.sluice.agent.node.Reconciler} the standalone node uses.
 */
package io.sluice.agent.kube;
