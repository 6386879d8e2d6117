/**
 * The node's certificates for Hubble's mutual TLS: a node CA kept in the state directory and
 * per-component certificates it signs at each agent start. Adapter (BouncyCastle, files); no
 * policy logic.
 */
package io.sluice.agent.tls;
