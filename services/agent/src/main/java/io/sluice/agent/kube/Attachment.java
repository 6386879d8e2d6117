package io.sluice.agent.kube;

import java.util.Objects;

/**
 * A pod's network as the chained CNI plugin reported it on ADD: its sandbox, its address and the
 * host side of its veth.
 */
public record Attachment(String containerId, String namespace, String name, int address, String hostInterface) {
    public Attachment {
        Objects.requireNonNull(containerId, "containerId");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(hostInterface, "hostInterface");
    }

    public String podKey() {
        return namespace + "/" + name;
    }
}
