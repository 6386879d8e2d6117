package io.sluice.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.databind.MappingIterator;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Parses manifest text into resources. Each document is judged alone; a document that is
 * not YAML, lacks apiVersion/kind/metadata.name, or has an unknown kind becomes an
 * {@link Invalid} naming what it could of the object.
 */
public final class Manifests {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    /** RFC 1123 subdomain, as Kubernetes requires of object names. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    private Manifests() {}

    /** The outcome of parsing a file: the valid resources and the refused documents, in file order. */
    public record Parsed(List<Resource> resources, List<Invalid> invalid) {
        public Parsed {
            resources = List.copyOf(resources);
            invalid = List.copyOf(invalid);
        }
    }

    public static Parsed parse(String text) {
        List<Resource> ok = new ArrayList<>();
        List<Invalid> bad = new ArrayList<>();
        List<JsonNode> docs;
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(text)) {
            docs = new ArrayList<>();
            while (it.hasNextValue()) {
                docs.add(it.nextValue());
            }
        } catch (IOException | RuntimeException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            bad.add(new Invalid(new ObjectRef("", "", "<input>"), 0, List.of(new Problem("", "malformed YAML: " + msg))));
            return new Parsed(ok, bad);
        }
        int index = 0;
        for (JsonNode doc : docs) {
            index++;
            if (doc == null || doc.isNull() || doc.isMissingNode()) {
                continue;
            }
            parseOne(doc, index, ok, bad);
        }
        return new Parsed(ok, bad);
    }

    /**
     * An object as the API server stores it (with the metadata it adds and a status), read as its
     * manifest is: from its apiVersion, kind, name, namespace and spec (or specs) only.
     */
    public static Parsed parseStored(JsonNode object) {
        com.fasterxml.jackson.databind.node.ObjectNode doc = JSON.createObjectNode();
        for (String f : List.of("apiVersion", "kind")) {
            if (object.has(f)) {
                doc.set(f, object.get(f));
            }
        }
        com.fasterxml.jackson.databind.node.ObjectNode meta = doc.putObject("metadata");
        for (String f : List.of("name", "namespace")) {
            if (object.path("metadata").has(f)) {
                meta.set(f, object.path("metadata").get(f));
            }
        }
        for (String f : List.of("spec", "specs")) {
            if (object.has(f) && !object.get(f).isNull()) {
                doc.set(f, object.get(f));
            }
        }
        List<Resource> ok = new ArrayList<>();
        List<Invalid> bad = new ArrayList<>();
        parseOne(doc, 1, ok, bad);
        return new Parsed(ok, bad);
    }

    private static void parseOne(JsonNode doc, int index, List<Resource> ok, List<Invalid> bad) {
        List<Problem> problems = new ArrayList<>();
        Field root = Field.root(doc, problems);
        if (!doc.isObject()) {
            bad.add(new Invalid(new ObjectRef("", "", "document " + index), index, List.of(new Problem("", "must be an object"))));
            return;
        }
        String apiVersion = root.get("apiVersion").requiredString();
        String kind = root.get("kind").requiredString();
        Field meta = root.get("metadata");
        String name = meta.get("name").requiredString();
        Kind k = Kind.of(apiVersion, kind).orElse(null);
        String namespace = k != null && k.namespaced() ? meta.get("namespace").string().orElse("default") : "";
        ObjectRef ref = new ObjectRef(kind.isEmpty() ? "document " + index : kind, namespace, name);
        if (!name.isEmpty() && !NAME.matcher(name).matches()) {
            meta.get("name").problem("must be a lowercase RFC 1123 name");
        }
        if (!namespace.isEmpty() && !NAMESPACE.matcher(namespace).matches()) {
            meta.get("namespace").problem("must be a lowercase RFC 1123 label");
        }
        if (k == null && !kind.isEmpty() && !apiVersion.isEmpty()) {
            root.get("kind").problem("unknown kind " + kind + " in " + apiVersion
                    + " (known: CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, CiliumEnvoyConfig,"
                    + " CiliumClusterwideEnvoyConfig in cilium.io/v2; Service in v1)");
        }
        if (!problems.isEmpty() || k == null) {
            bad.add(new Invalid(ref, index, problems));
            return;
        }
        String source = toJson(doc);
        Resource r = switch (k) {
            case CNP, CCNP -> new Resource.NetworkPolicy(ref, PolicyReader.read(root, ref.toString(), namespace), source);
            case CEC, CCEC -> EnvoyConfigReader.read(root, ref, source);
            case SERVICE -> ServiceReader.read(root, ref, source);
        };
        if (problems.isEmpty()) {
            ok.add(r);
        } else {
            bad.add(new Invalid(ref, index, problems));
        }
    }

    private static String toJson(JsonNode doc) {
        try {
            return JSON.writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The kinds the node understands. */
    enum Kind {
        CNP("cilium.io/v2", "CiliumNetworkPolicy", true),
        CCNP("cilium.io/v2", "CiliumClusterwideNetworkPolicy", false),
        CEC("cilium.io/v2", "CiliumEnvoyConfig", true),
        CCEC("cilium.io/v2", "CiliumClusterwideEnvoyConfig", false),
        SERVICE("v1", "Service", true);

        final String apiVersion, kind;
        final boolean namespaced;

        Kind(String apiVersion, String kind, boolean namespaced) {
            this.apiVersion = apiVersion;
            this.kind = kind;
            this.namespaced = namespaced;
        }

        boolean namespaced() {
            return namespaced;
        }

        static java.util.Optional<Kind> of(String apiVersion, String kind) {
            for (Kind k : values()) {
                if (k.apiVersion.equals(apiVersion) && k.kind.equals(kind)) {
                    return java.util.Optional.of(k);
                }
            }
            return java.util.Optional.empty();
        }
    }
}
