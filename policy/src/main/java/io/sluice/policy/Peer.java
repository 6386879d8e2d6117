package io.sluice.policy;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/** The L3 side of a rule: whom it allows or denies (fromEndpoints, fromEntities, fromCIDR...). */
public sealed interface Peer {
    /** Endpoints (and reserved identities) whose labels the selector matches. */
    record Endpoints(Selector selector) implements Peer {
        public Endpoints {
            Objects.requireNonNull(selector, "selector");
        }
    }

    record Entities(Set<Entity> entities) implements Peer {
        public Entities {
            entities = Set.copyOf(entities);
        }
    }

    /** fromCIDR / fromCIDRSet: the prefix minus the excepted ones. */
    record Cidrs(Cidr cidr, List<Cidr> except) implements Peer {
        public Cidrs {
            Objects.requireNonNull(cidr, "cidr");
            except = List.copyOf(except);
        }
    }
}
