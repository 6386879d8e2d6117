package io.sluice.bench;

import io.sluice.policy.Identity;
import io.sluice.policy.Labels;
import io.sluice.policy.Peer;
import io.sluice.policy.PeerRule;
import io.sluice.policy.PolicyRule;
import io.sluice.policy.PortProtocol;
import io.sluice.policy.Protocol;
import io.sluice.policy.Requirement;
import io.sluice.policy.Selector;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A synthetic cluster: endpoints spread over namespaces and apps (several replicas per app, so
 * identities are shared as in real clusters), and rules that each select one app and allow
 * two other apps on a port, a third of them with a deny as well. Fixed seed: same workload every run.
 */
record PolicyWorkload(List<Identity> identities, List<Integer> endpointIdentities, List<PolicyRule> rules) {

    static PolicyWorkload of(int endpoints, int ruleCount) {
        Random rnd = new Random(42);
        int apps = Math.max(1, endpoints / 5);
        List<Identity> ids = new ArrayList<>();
        for (int a = 0; a < apps; a++) {
            ids.add(new Identity(Identity.FIRST_ALLOCATED + a, labels(a)));
        }
        List<Integer> eps = new ArrayList<>();
        for (int e = 0; e < endpoints; e++) {
            eps.add(Identity.FIRST_ALLOCATED + e % apps);
        }
        List<PolicyRule> rules = new ArrayList<>();
        for (int r = 0; r < ruleCount; r++) {
            int subject = rnd.nextInt(apps);
            List<PeerRule> allow = List.of(new PeerRule(
                    List.of(new Peer.Endpoints(app(rnd.nextInt(apps))), new Peer.Endpoints(app(rnd.nextInt(apps)))),
                    List.of(PortProtocol.of(8000 + rnd.nextInt(100), Protocol.TCP))));
            List<PeerRule> deny = r % 3 == 0
                    ? List.of(new PeerRule(List.of(new Peer.Endpoints(app(rnd.nextInt(apps)))), List.of()))
                    : List.of();
            rules.add(new PolicyRule("ns" + subject % 10 + "/rule" + r, app(subject), allow, deny, List.of(), List.of(),
                    PolicyRule.DefaultDeny.BOTH));
        }
        return new PolicyWorkload(ids, eps, rules);
    }

    static Labels labels(int app) {
        return Labels.ofPod("ns" + app % 10, Map.of("app", "app" + app, "tier", "t" + app % 7));
    }

    static Selector app(int app) {
        return new Selector(List.of(Requirement.of("app", Requirement.Operator.IN, List.of("app" + app)),
                Requirement.of("k8s:io.kubernetes.pod.namespace", Requirement.Operator.IN, List.of("ns" + app % 10))));
    }
}
