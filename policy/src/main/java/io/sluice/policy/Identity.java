package io.sluice.policy;

import java.util.Objects;

/** A security identity: a number shared by every endpoint (or prefix) with the same labels. */
public record Identity(int id, Labels labels) {
    public static final int ANY = 0, HOST = 1, WORLD = 2, UNMANAGED = 3, HEALTH = 4, INIT = 5,
            REMOTE_NODE = 6, KUBE_APISERVER = 7, INGRESS = 8, WORLD_IPV4 = 9, WORLD_IPV6 = 10;
    /** Allocated identities start here, as Cilium's cluster-scoped ones. */
    public static final int FIRST_ALLOCATED = 256;
    /** Identities of CIDR prefixes are node-local and start here, as Cilium's local scope. */
    public static final int FIRST_LOCAL = 1 << 24;

    public Identity {
        Objects.requireNonNull(labels, "labels");
        if (id < 0) {
            throw new IllegalArgumentException("identity " + id);
        }
    }

    public boolean reserved() {
        return id < FIRST_ALLOCATED;
    }

    public boolean local() {
        return id >= FIRST_LOCAL;
    }
}
