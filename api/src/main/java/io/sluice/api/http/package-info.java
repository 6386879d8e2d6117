/**
 * HTTP/1.1 over unix sockets, for the node's API socket and Envoy's admin socket: a client and
 * its response framing. Depends only on the JDK.
 */
package io.sluice.api.http;
