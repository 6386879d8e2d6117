/**
 * Hubble relay: finds the nodes through the Peer API (Peers), fans each GetFlows out to them,
 * merges the answers by time (MergeBuffer, FlowMerge) and serves Hubble's Observer API
 * (RelayObserver, on quarkus-grpc, its methods Mutiny pipelines) on 4245,
 * reporting nodes that are unavailable instead of failing.
 */
package io.sluice.relay;
