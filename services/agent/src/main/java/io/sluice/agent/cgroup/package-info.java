/**
 * Adapter to the kernel's cgroup file system: the idle CPU group the agent's background work
 * runs in. No policy logic.
 */
package io.sluice.agent.cgroup;
