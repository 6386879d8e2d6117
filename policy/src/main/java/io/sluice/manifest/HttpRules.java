package io.sluice.manifest;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.sluice.policy.HttpRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads {@code toPorts[].rules}: {@code http} entries become {@link HttpRule}s, their regexes
 * checked with RE2 semantics (RE2/J) so a pattern Envoy would reject is refused here, with the
 * field named, before anything reaches Envoy. Other L7 protocols are refused as unsupported.
 */
final class HttpRules {
    private static final Pattern HEADER = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+( .*)?");
    /** Cilium's other spelling, {@code 'X-My-Header: true'}: the colon after the name is dropped. */
    private static final Pattern HEADER_COLON = Pattern.compile("([!#$%&'*+.^_`|~0-9A-Za-z-]+):\\s*(.*)");

    private HttpRules() {}

    static List<HttpRule> read(Field rules, boolean deny) {
        List<HttpRule> out = new ArrayList<>();
        if (!rules.isObject()) {
            return out;
        }
        rules.allowOnly(Set.of("http", "dns", "kafka", "l7proto", "l7"));
        for (String other : List.of("dns", "kafka", "l7proto", "l7")) {
            if (rules.get(other).present()) {
                rules.get(other).problem("not supported on this node yet");
            }
        }
        if (deny && rules.get("http").present()) {
            rules.get("http").problem("deny rules cannot carry L7 rules (Cilium allows them on allow rules only)");
            return out;
        }
        for (Field h : rules.get("http").list()) {
            if (!h.isObject()) {
                continue;
            }
            h.allowOnly(Set.of("method", "path", "host", "headers", "headerMatches"));
            if (h.get("headerMatches").present()) {
                h.get("headerMatches").problem("not supported on this node yet; use headers");
            }
            String method = regex(h.get("method"));
            String path = regex(h.get("path"));
            String host = regex(h.get("host"));
            List<String> headers = new ArrayList<>();
            for (Field hd : h.get("headers").list()) {
                hd.string().ifPresent(v -> {
                    var colon = HEADER_COLON.matcher(v);
                    if (colon.matches()) {
                        headers.add(colon.group(2).isEmpty() ? colon.group(1) : colon.group(1) + " " + colon.group(2));
                    } else if (HEADER.matcher(v).matches()) {
                        headers.add(v);
                    } else {
                        hd.problem("'" + v + "' is not 'Name', 'Name value' or 'Name: value'");
                    }
                });
            }
            out.add(new HttpRule(method, path, host, headers));
        }
        return out;
    }

    private static String regex(Field f) {
        String s = f.string().orElse("");
        try {
            Pattern.compile(s);
        } catch (PatternSyntaxException e) {
            f.problem("'" + s + "' is not a valid RE2 regular expression: " + e.getDescription());
        }
        return s;
    }
}
