/**
 * Adapter for Envoy's gRPC access-log service (ALS, v3): receives HTTP access logs on a unix
 * socket and turns each entry into an {@link io.sluice.agent.flow.L7Record}. No policy logic.
 */
package io.sluice.agent.als;
