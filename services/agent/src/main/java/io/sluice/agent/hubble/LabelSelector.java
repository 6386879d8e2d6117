package io.sluice.agent.hubble;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A Kubernetes label selector over a flow endpoint's labels ({@code k8s:app=x},
 * {@code reserved:world}): requirements separated by commas, all of which must hold —
 * {@code key}, {@code !key}, {@code key=v}, {@code key==v}, {@code key!=v},
 * {@code key in (a,b)}, {@code key notin (a,b)}. A key with a source ({@code k8s:app})
 * matches that source only; without one ({@code app}) any source.
 */
record LabelSelector(List<Predicate<List<String>>> requirements) {
    static LabelSelector parse(String field, String text) {
        List<Predicate<List<String>>> reqs = new ArrayList<>();
        for (String part : split(text)) {
            String r = part.trim();
            if (r.isEmpty()) {
                throw new FlowFilters.InvalidFilter(field + ": '" + text + "' has an empty requirement");
            }
            reqs.add(requirement(field, text, r));
        }
        return new LabelSelector(reqs);
    }

    boolean matches(List<String> labels) {
        for (Predicate<List<String>> r : requirements) {
            if (!r.test(labels)) {
                return false;
            }
        }
        return true;
    }

    private static Predicate<List<String>> requirement(String field, String text, String r) {
        String normalized = r.replaceAll("\\s+", " ");
        int in = normalized.indexOf(" in ("), notIn = normalized.indexOf(" notin (");
        if (notIn > 0 || in > 0) {
            boolean negate = notIn > 0;
            String key = normalized.substring(0, negate ? notIn : in).trim();
            if (!normalized.endsWith(")")) {
                throw new FlowFilters.InvalidFilter(field + ": '" + text + "': missing ')'");
            }
            Set<String> values = Set.copyOf(List.of(normalized.substring(normalized.indexOf('(') + 1, normalized.length() - 1).trim()
                    .split("\\s*,\\s*")));
            checkKey(field, text, key);
            return labels -> negate != labels.stream().anyMatch(l -> keyMatches(key, l) && values.contains(value(l)));
        }
        if (r.startsWith("!")) {
            String key = r.substring(1).trim();
            checkKey(field, text, key);
            return labels -> labels.stream().noneMatch(l -> keyMatches(key, l));
        }
        int ne = r.indexOf("!="), eq = r.indexOf('=');
        if (ne > 0) {
            String key = r.substring(0, ne).trim(), v = r.substring(ne + 2).trim();
            checkKey(field, text, key);
            return labels -> labels.stream().noneMatch(l -> keyMatches(key, l) && value(l).equals(v));
        }
        if (eq > 0) {
            String key = r.substring(0, eq).trim();
            String v = r.substring(r.startsWith("==", eq) ? eq + 2 : eq + 1).trim();
            checkKey(field, text, key);
            return labels -> labels.stream().anyMatch(l -> keyMatches(key, l) && value(l).equals(v));
        }
        checkKey(field, text, r);
        return labels -> labels.stream().anyMatch(l -> keyMatches(r, l));
    }

    private static void checkKey(String field, String text, String key) {
        if (key.isEmpty() || key.contains(" ") || key.contains("(") || key.contains("=")) {
            throw new FlowFilters.InvalidFilter(field + ": '" + text + "' is not a label selector (key '" + key + "')");
        }
    }

    /** Label {@code source:key=value} against a selector key {@code source:key} or {@code key}. */
    private static boolean keyMatches(String key, String label) {
        int eq = label.indexOf('=');
        String full = eq < 0 ? label : label.substring(0, eq);
        if (key.indexOf(':') >= 0) {
            return full.equals(key);
        }
        int colon = full.indexOf(':');
        return (colon < 0 ? full : full.substring(colon + 1)).equals(key);
    }

    private static String value(String label) {
        int eq = label.indexOf('=');
        return eq < 0 ? "" : label.substring(eq + 1);
    }

    /** Splits on commas outside parentheses. */
    private static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        int depth = 0, start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                out.add(text.substring(start, i));
                start = i + 1;
            }
        }
        out.add(text.substring(start));
        return out;
    }
}
