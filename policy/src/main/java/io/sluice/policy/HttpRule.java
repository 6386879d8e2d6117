package io.sluice.policy;

import java.util.List;
import java.util.Objects;

/**
 * One {@code rules.http} entry: method, path and host are RE2 regexes
 * matched against the whole {@code :method}, {@code :path} and {@code :authority} ("" = any);
 * each header is {@code Name} (present) or {@code Name value} (equal).
 */
public record HttpRule(String method, String path, String host, List<String> headers) {
    public HttpRule {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(host, "host");
        headers = List.copyOf(headers);
    }
}
