/**
 * Envoy's bootstrap, which the agent writes for the Envoy it runs and envoy-xds for the Envoy
 * beside it in Envoy's DaemonSet. The agent <-> envoy-xds contract, ResourceSync, is
 * src/main/proto/sync/sync.proto (generated into {@code io.sluice.api.xds.sync}).
 */
package io.sluice.api.xds;
