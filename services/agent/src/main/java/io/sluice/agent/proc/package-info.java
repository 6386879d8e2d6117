/**
 * Adapter for the node's long-lived processes (cluster DNS, envoy-xds, Envoy, pods' commands):
 * started detached so they outlive the agent, found again by pid and start time, restarted
 * when they die. No policy logic.
 */
package io.sluice.agent.proc;
