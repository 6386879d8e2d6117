/**
 * Adapter to envoy-xds: the ResourceSync stream over a unix socket. Sends the desired Envoy
 * configuration, keeps the last status envoy-xds reported (Envoy connected, acknowledged
 * versions, rejections with Envoy's message). No translation logic.
 */
package io.sluice.agent.xds;
