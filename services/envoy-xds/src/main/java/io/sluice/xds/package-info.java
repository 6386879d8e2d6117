/**
 * envoy-xds: the xDS server for the node's Envoy (state-of-the-world and delta ADS, v3, via
 * java-control-plane). Takes desired resources from the agent over {@code ResourceSync},
 * versions them, tracks Envoy's ACK/NACK per type and reports it back, and keeps the last
 * configuration Envoy acknowledged on disk so a restart serves the same one.
 */
package io.sluice.xds;
