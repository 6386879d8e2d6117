package io.sluice.manifest;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A node of a manifest with its path, reporting type errors into a shared problem list.
 * Readers return empty values after reporting, so one pass finds every problem.
 */
record Field(JsonNode node, String path, List<Problem> problems) {

    static Field root(JsonNode node, List<Problem> problems) {
        return new Field(node, "", problems);
    }

    Field get(String name) {
        JsonNode child = node == null ? null : node.get(name);
        return new Field(child, path.isEmpty() ? name : path + "." + name, problems);
    }

    boolean present() {
        return node != null && !node.isNull();
    }

    void problem(String reason) {
        problems.add(new Problem(path, reason));
    }

    /** Reports keys other than the allowed ones (catches typos such as {@code fromEndpoint}). */
    void allowOnly(Set<String> keys) {
        if (!present() || !node.isObject()) {
            return;
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!keys.contains(k)) {
                get(k).problem("unknown field");
            }
        }
    }

    boolean isObject() {
        if (present() && !node.isObject()) {
            problem("must be an object");
            return false;
        }
        return present();
    }

    Optional<String> string() {
        if (!present()) {
            return Optional.empty();
        }
        if (!node.isValueNode() || node.isContainerNode()) {
            problem("must be a string");
            return Optional.empty();
        }
        return Optional.of(node.asText());
    }

    String requiredString() {
        Optional<String> s = string();
        if (!present()) {
            problem("is required");
        }
        return s.orElse("");
    }

    List<Field> list() {
        List<Field> out = new ArrayList<>();
        if (!present()) {
            return out;
        }
        if (!node.isArray()) {
            problem("must be a list");
            return out;
        }
        for (int i = 0; i < node.size(); i++) {
            out.add(new Field(node.get(i), path + "[" + i + "]", problems));
        }
        return out;
    }

    Map<String, String> stringMap() {
        Map<String, String> out = new LinkedHashMap<>();
        if (!isObject()) {
            return out;
        }
        node.fields().forEachRemaining(e -> {
            Field f = get(e.getKey());
            f.string().ifPresent(v -> out.put(e.getKey(), v));
        });
        return out;
    }

    Optional<Boolean> bool() {
        if (!present()) {
            return Optional.empty();
        }
        if (!node.isBoolean()) {
            problem("must be true or false");
            return Optional.empty();
        }
        return Optional.of(node.asBoolean());
    }
}
