/**
 * gRPC plumbing shared by the services: one grpc-java server setup (GrpcServers) for what must
 * stay on plain grpc-java (the node's unix sockets: Hubble's API to local readers, ADS and the
 * agent's sync, Envoy's access logs; Hubble's TCP API, whose TLS follows Hubble's certificate
 * layout), and the binding of methods written as Mutiny pipelines (MutinyCalls), on any server.
 */
package io.sluice.api.grpc;
