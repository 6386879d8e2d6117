/** The internal agent <-> envoy-xds contract (a gRPC method over xDS message types). */
package io.sluice.api.xds;
