/**
 * The cluster DNS: {@code NAME.NAMESPACE.svc.cluster.local} answers with the service's virtual
 * IP. {@link io.sluice.agent.dns.ClusterZone} is pure; {@link io.sluice.agent.dns.DnsServer} is the UDP adapter.
 */
package io.sluice.agent.dns;
