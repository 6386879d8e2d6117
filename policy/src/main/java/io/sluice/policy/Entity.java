package io.sluice.policy;

import java.util.Locale;
import java.util.Optional;

/** The entities of fromEntities/toEntities, as Cilium's. */
public enum Entity {
    ALL, WORLD, CLUSTER, HOST, REMOTE_NODE, KUBE_APISERVER, INIT, HEALTH, UNMANAGED, INGRESS, NONE;

    /** Parses the manifest spelling ({@code remote-node}); empty for an unknown entity. */
    public static Optional<Entity> parse(String s) {
        for (Entity e : values()) {
            if (e.spelling().equals(s)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    public String spelling() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
