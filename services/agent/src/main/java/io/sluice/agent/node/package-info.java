/**
 * The standalone node: owns the node's state (pods, applied objects, identities, allocations)
 * and turns every change into one reconcile of the datapath. The only mutable owner of that
 * state; adapters (netns, bpf, store, dns) do the I/O, pure packages do the computing.
 */
package io.sluice.agent.node;
