/**
 * Flows in the making: L7 records from Envoy's access logs (method, URL, status, headers,
 * latency, verdict), kept ready to become Hubble flows. Pure values; no gRPC or Envoy types.
 */
package io.sluice.agent.flow;
