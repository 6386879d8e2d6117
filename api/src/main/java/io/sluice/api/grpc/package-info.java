/**
 * The one grpc-java server setup of the project, for what must stay on plain grpc-java: the
 * node's unix sockets (Hubble's API to local readers, ADS and the agent's sync, Envoy's access
 * logs) and Hubble's TCP API, whose TLS follows Hubble's certificate layout.
 */
package io.sluice.api.grpc;
