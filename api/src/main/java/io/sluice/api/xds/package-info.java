/**
 * The internal agent <-> envoy-xds contract (a gRPC method over xDS message types), and Envoy's
 * bootstrap, which the agent writes for the Envoy it runs and envoy-xds for the Envoy beside it
 * in Envoy's DaemonSet.
 */
package io.sluice.api.xds;
