package io.sluice.agent.envoy;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.sluice.policy.Cidr;
import io.sluice.policy.Direction;
import io.sluice.policy.HttpRule;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link L7Translation} with memory: filter chains depend only on its endpoint, port and
 * direction (the rules live in RDS), a route only on its peers' rules and addresses, a
 * listener only on its chains. Parts whose inputs did not change are reused, packed, so a
 * change to one endpoint of thousands costs one route. Output equals a fresh translation.
 * Not thread-safe: one owner (the node). Forgets what the last translation did not use.
 */
public final class L7Translator {
    private record RouteKey(String name, Direction direction, Map<Integer, List<HttpRule>> peers,
                            Map<Integer, List<Cidr>> addresses) {}

    private record ListenerKey(Direction direction, int port, List<String> chains, String body) {}

    private Map<String, List<FilterChain>> chains = new HashMap<>();
    private Map<RouteKey, Any> routes = new HashMap<>();
    private Map<ListenerKey, Any> listeners = new HashMap<>();
    private final Any cluster = Any.pack(L7Translation.originalDstCluster());

    public List<Any> translate(L7Config config) {
        Map<String, List<FilterChain>> usedChains = new HashMap<>();
        Map<RouteKey, Any> usedRoutes = new HashMap<>();
        Map<ListenerKey, Any> usedListeners = new HashMap<>();
        List<Any> out = new ArrayList<>();
        out.add(cluster);
        String chainInputs = "|" + config.accessDeniedBody() + "|" + config.podRanges();
        for (Direction d : Direction.values()) {
            List<FilterChain> dirChains = new ArrayList<>();
            List<String> names = new ArrayList<>();
            List<Any> dirRoutes = new ArrayList<>();
            for (L7Endpoint e : config.endpoints()) {
                for (var port : new TreeMap<>(e.rules().getOrDefault(d, Map.of())).entrySet()) {
                    String name = L7Translation.routeName(d, e.address(), port.getKey());
                    String chainKey = name + chainInputs;
                    List<FilterChain> chain = chains.get(chainKey);
                    if (chain == null) {
                        chain = L7Translation.chains(d, e.address(), port.getKey(), name, config.accessDeniedBody(),
                                config.podRanges());
                    }
                    usedChains.put(chainKey, chain);
                    dirChains.addAll(chain);
                    names.add(name);
                    RouteKey rk = new RouteKey(name, d, port.getValue(), addressesOf(port.getValue(), config.identityAddresses()));
                    Any route = routes.get(rk);
                    if (route == null) {
                        route = Any.pack(L7Translation.route(name, Rbac.of(d, port.getValue(), config.identityAddresses())));
                    }
                    usedRoutes.put(rk, route);
                    dirRoutes.add(route);
                }
            }
            if (!dirChains.isEmpty()) {
                int port = d == Direction.INGRESS ? config.ingressPort() : config.egressPort();
                ListenerKey lk = new ListenerKey(d, port, List.copyOf(names), config.accessDeniedBody());
                Any listener = listeners.get(lk);
                if (listener == null) {
                    listener = Any.pack(L7Translation.listener(d, port, dirChains));
                }
                usedListeners.put(lk, listener);
                out.add(listener);
                out.addAll(dirRoutes);
            }
        }
        chains = usedChains;
        routes = usedRoutes;
        listeners = usedListeners;
        return out;
    }

    private static Map<Integer, List<Cidr>> addressesOf(Map<Integer, List<HttpRule>> peers, Map<Integer, List<Cidr>> all) {
        Map<Integer, List<Cidr>> out = new HashMap<>();
        peers.keySet().forEach(id -> out.put(id, all.getOrDefault(id, List.of())));
        return out;
    }
}
