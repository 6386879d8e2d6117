/**
 * The policy engine: labels, selectors and CiliumNetworkPolicy rules in, per-endpoint verdict
 * tables out, with Cilium's semantics. Pure and deterministic: no I/O, no BPF, no Kubernetes or
 * Quarkus types; the BPF key is mirrored here, not imported.
 */
package io.sluice.policy;
