/**
 * The cluster DNS: {@code NAME.NAMESPACE.svc.cluster.local} answers with the service's virtual
 * IP. It runs as a process of its own ({@link io.sluice.agent.dns.DnsMain}), like CoreDNS, so
 * names keep resolving while the agent restarts; the agent hands it the zone as a file.
 * {@link io.sluice.agent.dns.ClusterZone} is pure; the rest are adapters.
 */
package io.sluice.agent.dns;
