package io.sluice.manifest;

import java.util.Objects;

/** Names an object as users write it: {@code CiliumNetworkPolicy default/rule1}. Cluster-scoped objects have namespace "". */
public record ObjectRef(String kind, String namespace, String name) {
    public ObjectRef {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
    }

    @Override
    public String toString() {
        return kind + " " + (namespace.isEmpty() ? name : namespace + "/" + name);
    }
}
