package io.sluice.agent.als;

import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.data.accesslog.v3.HTTPAccessLogEntry;
import io.envoyproxy.envoy.data.accesslog.v3.HTTPRequestProperties;
import io.sluice.agent.flow.L7Record;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Envoy's HTTP access-log entry into an L7 record. */
final class AccessLogEntries {
    private AccessLogEntries() {}

    static L7Record of(String logName, HTTPAccessLogEntry e) {
        var common = e.getCommonProperties();
        HTTPRequestProperties req = e.getRequest();
        long start = common.getStartTime().getSeconds() * 1_000_000_000L + common.getStartTime().getNanos();
        long latency = common.hasTimeToLastDownstreamTxByte()
                ? common.getTimeToLastDownstreamTxByte().getSeconds() * 1_000_000_000L + common.getTimeToLastDownstreamTxByte().getNanos()
                : 0;
        int status = e.getResponse().getResponseCode().getValue();
        // A request RBAC refused is answered locally with 403 and carries the RBAC detail.
        boolean denied = status == 403 && e.getResponse().getResponseCodeDetails().startsWith("rbac_access_denied");
        String scheme = req.getScheme().isEmpty() ? "http" : req.getScheme();
        List<L7Record.Header> reqHeaders = new ArrayList<>();
        if (!req.getRequestId().isEmpty()) {
            reqHeaders.add(new L7Record.Header("X-Request-Id", req.getRequestId()));
        }
        if (!req.getUserAgent().isEmpty() && !req.getRequestHeadersMap().containsKey("user-agent")) {
            reqHeaders.add(new L7Record.Header("User-Agent", req.getUserAgent()));
        }
        req.getRequestHeadersMap().forEach((k, v) -> reqHeaders.add(new L7Record.Header(k, v)));
        List<L7Record.Header> respHeaders = new ArrayList<>();
        e.getResponse().getResponseHeadersMap().forEach((k, v) -> respHeaders.add(new L7Record.Header(k, v)));
        return new L7Record(start, logName, address(common.getDownstreamRemoteAddress()),
                address(common.getDownstreamLocalAddress()), req.getRequestMethod().name().toUpperCase(Locale.ROOT),
                scheme + "://" + req.getAuthority() + req.getPath(), protocol(e.getProtocolVersion()), status, latency,
                !denied, req.getRequestId(), reqHeaders, respHeaders);
    }

    private static String protocol(HTTPAccessLogEntry.HTTPVersion v) {
        return switch (v) {
            case HTTP10 -> "HTTP/1.0";
            case HTTP2 -> "HTTP/2";
            case HTTP3 -> "HTTP/3";
            default -> "HTTP/1.1";
        };
    }

    private static String address(Address a) {
        return a.hasSocketAddress() ? a.getSocketAddress().getAddress() + ":" + a.getSocketAddress().getPortValue() : "";
    }
}
