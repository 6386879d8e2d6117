/**
 * Translation for the upstream Envoy: L7 policy into listeners, routes (per-route RBAC) and
 * clusters, and Envoy's bootstrap. Pure: domain values in,
 * Envoy protos or text out; no I/O, no gRPC.
 */
package io.sluice.agent.envoy;
