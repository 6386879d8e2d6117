package io.sluice.agent.hubble;

import io.sluice.agent.endpoint.Endpoint;
import io.sluice.policy.Identity;
import io.sluice.policy.Label;
import io.sluice.agent.service.Frontend;
import io.sluice.api.hubble.HubbleNames;
import io.sluice.api.hubble.flow.Service;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Who is behind an address, as flows name it: the node's endpoints (as ready-made
 * {@code flow.Endpoint} messages, shared by every flow that names them) and its services. An
 * immutable snapshot, replaced whole after each reconcile, so the parser reads it lock-free.
 */
public final class Directory {
    public static final Directory EMPTY = new Directory(List.of(), List.of(), 0);
    /** Endpoints of identities without a pod (host, world, CIDR), made once per identity. */
    private static final Map<Integer, io.sluice.api.hubble.flow.Endpoint> RESERVED = new java.util.concurrent.ConcurrentHashMap<>();

    private final Map<Integer, io.sluice.api.hubble.flow.Endpoint> byAddress = new HashMap<>();
    private final Map<Integer, io.sluice.api.hubble.flow.Endpoint> byId = new HashMap<>();
    private final Map<Long, Service> services = new HashMap<>();
    private final Map<Long, Service> backends = new HashMap<>();
    private final List<String> namespaces;
    private final int router;

    public Directory(List<Endpoint> endpoints, List<Frontend> frontends, int router) {
        this.router = router;
        for (Endpoint e : endpoints) {
            var b = io.sluice.api.hubble.flow.Endpoint.newBuilder().setID(e.id()).setIdentity(e.identity())
                    .setNamespace(e.namespace()).setPodName(e.name());
            e.labels().all().forEach(l -> b.addLabels(l.toString()));
            io.sluice.api.hubble.flow.Endpoint built = b.build();
            byAddress.put(e.address(), built);
            byId.put(e.id(), built);
        }
        for (Frontend f : frontends) {
            int slash = f.service().indexOf('/');
            Service s = Service.newBuilder().setNamespace(f.service().substring(0, slash))
                    .setName(f.service().substring(slash + 1)).build();
            services.put(key(f.vip(), f.port()), s);
            f.backends().forEach(b -> backends.put(key(b.address(), b.port()), s));
        }
        this.namespaces = endpoints.stream().map(Endpoint::namespace).distinct().sorted().toList();
    }

    /** The endpoint at a pod address, host for the router, else one carrying the identity the datapath gave. */
    public io.sluice.api.hubble.flow.Endpoint endpoint(int address, int identity) {
        var e = byAddress.get(address);
        if (e != null) {
            return e;
        }
        int id = address == router ? Identity.HOST : identity;
        return RESERVED.computeIfAbsent(id, Directory::reserved);
    }

    /** The local endpoint with this id, whatever address its packet carried. */
    public Optional<io.sluice.api.hubble.flow.Endpoint> endpointById(int id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** The service whose frontend or backend is address:port. */
    public Optional<Service> service(int address, int port) {
        long k = key(address, port);
        Service s = services.get(k);
        return Optional.ofNullable(s != null ? s : backends.get(k));
    }

    public List<String> namespaces() {
        return namespaces;
    }

    private static io.sluice.api.hubble.flow.Endpoint reserved(int identity) {
        var b = io.sluice.api.hubble.flow.Endpoint.newBuilder().setIdentity(identity);
        String name = HubbleNames.reservedIdentity(identity);
        if (!name.isEmpty()) {
            b.addLabels(Label.RESERVED + ":" + name);
        }
        return b.build();
    }

    private static long key(int address, int port) {
        return ((long) address << 16) | (port & 0xffff);
    }
}
