package io.sluice.agent.service;

import io.sluice.agent.endpoint.Endpoint;
import io.sluice.manifest.Resource;
import io.sluice.policy.Label;
import io.sluice.policy.NamedPort;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Computes frontends as kube-proxy would: a service's selector picks ready endpoints of its
 * namespace; a named targetPort resolves per endpoint, and an endpoint lacking it is skipped.
 */
public final class ServiceFrontends {
    private ServiceFrontends() {}

    public static List<Frontend> of(Resource.Service service, int vip, List<Endpoint> endpoints) {
        List<Endpoint> selected = endpoints.stream()
                .filter(e -> e.ready() && e.namespace().equals(service.ref().namespace()))
                .filter(e -> !service.selector().isEmpty() && selects(service.selector(), e))
                .sorted(Comparator.comparing(Endpoint::name))
                .toList();
        List<Frontend> out = new ArrayList<>();
        for (Resource.ServicePort p : service.ports()) {
            List<Frontend.Backend> backends = new ArrayList<>();
            for (Endpoint e : selected) {
                int target = p.targetPort();
                if (!p.targetName().isEmpty()) {
                    NamedPort np = e.namedPorts().get(p.targetName());
                    if (np == null) {
                        continue;
                    }
                    target = np.port();
                }
                backends.add(new Frontend.Backend(e.address(), target));
            }
            out.add(new Frontend(service.ref().namespace() + "/" + service.ref().name(), vip, p.port(), p.protocol(), backends,
                    p.name() == null ? "" : p.name()));
        }
        return out;
    }

    private static boolean selects(Map<String, String> selector, Endpoint e) {
        return selector.entrySet().stream()
                .allMatch(s -> e.labels().get(Label.K8S, s.getKey()).map(s.getValue()::equals).orElse(false));
    }
}
