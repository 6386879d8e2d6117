package io.sluice.agent.bpf;

import io.sluice.policy.Cidr;
import io.sluice.policy.EndpointPolicy;
import io.sluice.policy.PolicyEntry;
import io.sluice.policy.PolicyKey;
import io.sluice.agent.service.Frontend;
import io.sluice.bpf.datapath.BackendKey;
import io.sluice.bpf.datapath.BackendValue;
import io.sluice.bpf.datapath.Datapath;
import io.sluice.bpf.datapath.DatapathConfig;
import io.sluice.bpf.datapath.EndpointValue;
import io.sluice.bpf.datapath.IpcacheKey;
import io.sluice.bpf.datapath.IpcacheValue;
import io.sluice.bpf.datapath.PolicyEntryKey;
import io.sluice.bpf.datapath.PolicyEntryValue;
import io.sluice.bpf.datapath.ServiceKey;
import io.sluice.bpf.datapath.L7FrontendValue;
import io.sluice.bpf.datapath.ServiceValue;
import io.sluice.bpf.datapath.TypedMap;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes desired state into the datapath's maps. Each sync is idempotent and writes only what
 * differs; entries are added before stale ones are removed, and an endpoint's enforcement
 * flags change only after its allow rows are in place. Not thread-safe: one owner calls it.
 */
public final class DatapathSync implements DatapathSink {
    /** The name the per-endpoint policy maps' pressure is reported under. */
    public static final String POLICY_MAPS = "sluice_pol";
    private final Datapath dp;
    private final Map<ServiceKey, Integer> serviceIds = new HashMap<>();
    private final MapMirror<IpcacheKey, IpcacheValue> ipcache;
    private final MapMirror<Integer, EndpointValue> endpoints;
    private final Map<Integer, MapMirror<PolicyEntryKey, PolicyEntryValue>> policies = new HashMap<>();
    /** What the datapath's config holds, once written (null before). */
    private DatapathConfig config;
    private int serviceCount, backendCount, l7FrontendCount;
    /** Each map's entries over its capacity after the last write (read by the metrics' scrapes). */
    private volatile Map<String, Double> pressure = Map.of();

    public DatapathSync(Datapath dp) {
        this.dp = dp;
        this.ipcache = new MapMirror<>(dp.ipcache);
        this.endpoints = new MapMirror<>(dp.endpoints);
        this.config = dp.config.get(0).orElse(null);
        // A restarted agent keeps the service ids the datapath already uses.
        for (ServiceKey k : dp.services.keySet()) {
            dp.services.get(k).ifPresent(v -> serviceIds.put(k, v.serviceId()));
        }
        measure();
    }

    public void config(Cidr serviceCidr, boolean allowHostIngress) {
        config = new DatapathConfig(serviceCidr.address(), Cidr.mask(serviceCidr.prefixLen()),
                allowHostIngress ? DatapathConfig.ALLOW_HOST_INGRESS : 0, config == null ? 0 : config.egressProxyPort());
        dp.config.put(0, config);
    }

    /** The policies' egress listener, which the datapath sends an Envoy config's upstream leg to when the client's egress rules are L7. */
    private void egressProxyPort(int port) {
        if (config != null && config.egressProxyPort() != port) {
            config = new DatapathConfig(config.serviceNet(), config.serviceMask(), config.flags(), port);
            dp.config.put(0, config);
        }
    }

    @Override
    public void ipcache(Map<Cidr, Integer> identities, Map<Integer, Integer> endpointByAddress) {
        Map<IpcacheKey, IpcacheValue> want = new HashMap<>();
        identities.forEach((c, id) -> want.put(new IpcacheKey(c.prefixLen(), c.address()), new IpcacheValue(id,
                c.prefixLen() == 32 ? endpointByAddress.getOrDefault(c.address(), 0) : 0)));
        ipcache.sync(want);
        measure();
    }

    /**
     * Per endpoint: allow and deny rows in, then the enforcement flags, then stale rows out, so
     * tightening never drops allowed traffic and loosening never lets denied traffic through.
     */
    @Override
    public void endpoints(List<EndpointState> desired, ProxyPorts proxy) {
        egressProxyPort(proxy.egress());
        Map<Integer, EndpointValue> want = new HashMap<>();
        Set<Integer> liveIds = new HashSet<>();
        for (EndpointState e : desired) {
            Map<PolicyEntryKey, PolicyEntryValue> rows = rows(e.policy(), proxy);
            MapMirror<PolicyEntryKey, PolicyEntryValue> policy =
                    policies.computeIfAbsent(e.endpointId(), id -> new MapMirror<>(dp.policy(id)));
            policy.upsert(rows);
            int flags = (e.policy().ingressEnforced() ? EndpointValue.INGRESS_ENFORCED : 0)
                    | (e.policy().egressEnforced() ? EndpointValue.EGRESS_ENFORCED : 0);
            EndpointValue v = new EndpointValue(e.endpointId(), e.identity(), e.address(), flags);
            want.put(e.ifindex(), v);
            endpoints.upsert(Map.of(e.ifindex(), v));
            policy.removeOthers(rows.keySet());
            liveIds.add(e.endpointId());
        }
        for (EndpointValue gone : endpoints.known().entrySet().stream()
                .filter(x -> !want.containsKey(x.getKey())).map(Map.Entry::getValue).toList()) {
            if (!liveIds.contains(gone.endpointId())) {
                dp.removePolicy(gone.endpointId());
                policies.remove(gone.endpointId());
            }
        }
        endpoints.removeOthers(want.keySet());
        measure();
    }

    public void attach(int ifindex) {
        dp.attach(ifindex);
    }

    @Override
    public void services(List<Frontend> frontends) {
        Map<ServiceKey, List<Frontend.Backend>> want = new HashMap<>();
        for (Frontend f : frontends) {
            want.put(new ServiceKey(f.vip(), f.port(), f.protocol().number), f.backends());
        }
        want.forEach((key, backends) -> {
            int id = serviceIds.computeIfAbsent(key, k -> nextServiceId());
            for (int slot = 0; slot < backends.size(); slot++) {
                Frontend.Backend b = backends.get(slot);
                dp.backends.put(new BackendKey(id, slot), new BackendValue(b.address(), b.port()));
            }
            int previous = dp.services.get(key).map(ServiceValue::count).orElse(0);
            dp.services.put(key, new ServiceValue(id, backends.size()));
            for (int slot = backends.size(); slot < previous; slot++) {
                dp.backends.remove(new BackendKey(id, slot));
            }
        });
        for (ServiceKey key : dp.services.keySet()) {
            if (!want.containsKey(key)) {
                int id = serviceIds.getOrDefault(key, -1);
                int count = dp.services.get(key).map(ServiceValue::count).orElse(0);
                dp.services.remove(key);
                for (int slot = 0; slot < count; slot++) {
                    dp.backends.remove(new BackendKey(id, slot));
                }
                serviceIds.remove(key);
            }
        }
        serviceCount = want.size();
        backendCount = want.values().stream().mapToInt(List::size).sum();
        measure();
    }

    @Override
    public void l7Frontends(List<L7Frontend> frontends) {
        Map<ServiceKey, L7FrontendValue> want = new HashMap<>();
        frontends.forEach(f -> want.put(new ServiceKey(f.vip(), f.port(), io.sluice.policy.Protocol.TCP.number),
                new L7FrontendValue(f.proxyPort())));
        want.forEach((k, v) -> {
            if (!dp.l7Frontends.get(k).equals(java.util.Optional.of(v))) {
                dp.l7Frontends.put(k, v);
            }
        });
        for (ServiceKey k : dp.l7Frontends.keySet()) {
            if (!want.containsKey(k)) {
                dp.l7Frontends.remove(k);
            }
        }
        l7FrontendCount = want.size();
        measure();
    }

    /**
     * How full each map the agent writes is, 0 to 1, by the map's kernel name ({@code
     * sluice_bpf_map_pressure}); the per-endpoint policy maps as one, {@code sluice_pol}: the
     * fullest of them, since one full endpoint map refuses that endpoint's rules however empty the
     * others are. The maps the datapath fills itself (connection tracking, an LRU that evicts
     * instead of refusing) are not counted.
     */
    public Map<String, Double> pressure() {
        return pressure;
    }

    private void measure() {
        Map<String, Double> p = new HashMap<>();
        p.put(dp.ipcache.map().name(), ratio(ipcache.known().size(), dp.ipcache));
        p.put(dp.endpoints.map().name(), ratio(endpoints.known().size(), dp.endpoints));
        p.put(dp.services.map().name(), ratio(serviceCount, dp.services));
        p.put(dp.backends.map().name(), ratio(backendCount, dp.backends));
        p.put(dp.l7Frontends.map().name(), ratio(l7FrontendCount, dp.l7Frontends));
        p.put(POLICY_MAPS, policies.values().stream().mapToDouble(m -> ratio(m.known().size(), m.map())).max().orElse(0));
        pressure = Map.copyOf(p);
    }

    private static double ratio(int entries, TypedMap<?, ?> map) {
        return (double) entries / map.map().maxEntries();
    }

    private int nextServiceId() {
        int max = serviceIds.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        return max + 1;
    }

    static Map<PolicyEntryKey, PolicyEntryValue> rows(EndpointPolicy policy, ProxyPorts proxy) {
        Map<PolicyEntryKey, PolicyEntryValue> out = new HashMap<>();
        for (Map.Entry<PolicyKey, PolicyEntry> e : policy.entries().entrySet()) {
            PolicyKey k = e.getKey();
            PolicyEntry entry = e.getValue();
            int port = entry.l7() ? (k.direction() == io.sluice.policy.Direction.INGRESS ? proxy.ingress() : proxy.egress())
                    : entry.listener().present() ? proxy.listeners().getOrDefault(entry.listener().name(), 0) : 0;
            // A listener Envoy does not run: its connections are dropped, never let past it
            // (COMPAT.md section 8); the policy's status says why.
            boolean deny = entry.deny() || entry.listener().present() && port == 0;
            out.put(new PolicyEntryKey(k.prefixLen(), k.identity(), k.direction().code, k.protocol().number, k.port()),
                    new PolicyEntryValue(deny, entry.matchType().code, port, 0));
        }
        return out;
    }

}
