package io.sluice.agent.flow;

import java.util.List;
import java.util.Objects;

/**
 * One HTTP exchange as the proxy saw it: a request and its response in one record (Hubble
 * shows it as an http-request and an http-response flow). {@code direction} is the proxy
 * listener's (ingress: the destination's policy; egress: the source's); {@code forwarded} is
 * false when the policy denied the request (403 from RBAC).
 */
public record L7Record(long timeNanos, String direction, String source, String destination, String method, String url,
                       String protocol, int status, long latencyNanos, boolean forwarded, String requestId,
                       List<Header> requestHeaders, List<Header> responseHeaders) {
    public record Header(String key, String value) {}

    public L7Record {
        Objects.requireNonNull(direction, "direction");
        requestHeaders = List.copyOf(requestHeaders);
        responseHeaders = List.copyOf(responseHeaders);
    }

    /** Hubble's summary of the request: {@code HTTP/1.1 PUT http://host/path}. */
    public String requestSummary() {
        return protocol + " " + method + " " + url;
    }

    /** Hubble's summary of the response: {@code HTTP/1.1 200 1ms (POST http://host/path)}. */
    public String responseSummary() {
        return protocol + " " + status + " " + Math.max(0, latencyNanos / 1_000_000) + "ms (" + method + " " + url + ")";
    }
}
