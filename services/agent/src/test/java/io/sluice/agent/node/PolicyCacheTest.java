package io.sluice.agent.node;

import io.sluice.manifest.Manifests;
import io.sluice.manifest.Resource;
import io.sluice.policy.EndpointPolicy;
import io.sluice.policy.Identity;
import io.sluice.policy.Labels;
import io.sluice.policy.PolicyRule;
import io.sluice.policy.PolicySubject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class PolicyCacheTest {
    static final List<PolicyRule> RULES = Manifests.parse("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: a}
            spec:
              endpointSelector: {matchLabels: {role: db}}
              ingress: [{fromEndpoints: [{matchLabels: {role: web}}], toPorts: [{ports: [{port: "5432"}]}]}]
              egress: [{toEntities: [cluster]}]
            ---
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: b}
            spec:
              endpointSelector: {matchLabels: {role: web}}
              ingressDeny: [{fromEndpoints: [{matchExpressions: [{key: team, operator: In, values: [red]}]}]}]
              ingress: [{fromEntities: [all]}]
            """).resources().stream().flatMap(r -> ((Resource.NetworkPolicy) r).rules().stream()).toList();

    @Test
    void incrementalResolution_equalsFreshResolution_asIdentitiesComeAndGo() {
        Random rnd = new Random(7);
        PolicyCache cache = new PolicyCache();
        List<Labels> pool = new ArrayList<>();
        for (String role : List.of("db", "web", "cache")) {
            for (String team : List.of("red", "blue", "green")) {
                pool.add(Labels.ofPod("default", Map.of("role", role, "team", team)));
            }
        }
        List<Labels> live = new ArrayList<>();
        for (int step = 0; step < 200; step++) {
            if (live.isEmpty() || rnd.nextBoolean()) {
                live.add(pool.get(rnd.nextInt(pool.size())));
            } else {
                live.remove(rnd.nextInt(live.size()));
            }
            List<Identity> ids = new ArrayList<>(DesiredState.RESERVED);
            List<PolicySubject> subjects = new ArrayList<>();
            live.stream().distinct().forEach(l -> {
                ids.add(new Identity(256 + pool.indexOf(l), l));
                subjects.add(new PolicySubject(l, Map.of()));
            });
            Map<PolicySubject, EndpointPolicy> incremental = cache.resolve(subjects, RULES, Map.of(), ids);
            Map<PolicySubject, EndpointPolicy> fresh = new PolicyCache().resolve(subjects, RULES, Map.of(), ids);
            assertThat(incremental).as("step %d", step).isEqualTo(fresh);
        }
    }
}
