/**
 * Adapter to the kernel's network namespaces and links through iproute2: creates and removes
 * a pod's namespace, veth pair, addresses and routes, and starts its process. No policy logic.
 */
package io.sluice.agent.netns;
