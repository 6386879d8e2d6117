/**
 * Hubble's side of the node: datapath events and proxy access logs become {@code flow.Flow}s
 * (FlowParser, with the names of a {@link io.sluice.agent.hubble.Directory}), kept in a
 * bounded buffer that counts what readers lose (FlowBuffer), filtered as Hubble filters
 * (FlowFilters) and served over Hubble's gRPC API (ObserverService, PeerService, HubbleServer)
 * with Hubble's Prometheus metrics (HubbleMetrics).
 */
package io.sluice.agent.hubble;
