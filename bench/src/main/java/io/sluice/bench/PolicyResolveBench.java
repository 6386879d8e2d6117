package io.sluice.bench;

import io.sluice.policy.EndpointPolicy;
import io.sluice.policy.Identity;
import io.sluice.agent.node.PolicyCache;
import io.sluice.policy.Labels;
import io.sluice.policy.PolicySubject;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The policy engine as the node drives it (through {@link PolicyCache}: one table per distinct
 * subject). {@code full}: every table from scratch, as after a policy change. {@code podAdded}:
 * a warm cache, then one pod with a new identity arrives. {@code baselineSelectorScan}: only
 * matching every rule's subject selector against every endpoint, the floor a naive engine pays,
 * measured in the same run as the reference for both.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
public class PolicyResolveBench {
    @Param({"10000"})
    int endpoints;
    @Param({"1000"})
    int rules;
    PolicyWorkload w;
    List<PolicySubject> subjects;
    List<Identity> ids;
    List<PolicySubject> grownSubjects;
    List<Identity> grownIds;
    PolicyCache warm;

    @Setup(Level.Trial)
    public void setup() {
        w = PolicyWorkload.of(endpoints, rules);
        ids = w.identities();
        subjects = new ArrayList<>();
        for (int id : w.endpointIdentities()) {
            subjects.add(new PolicySubject(ids.get(id - Identity.FIRST_ALLOCATED).labels(), Map.of()));
        }
        Identity newcomer = new Identity(Identity.FIRST_ALLOCATED + ids.size(),
                Labels.ofPod("ns3", Map.of("app", "app3", "tier", "t3", "version", "canary")));
        grownIds = new ArrayList<>(ids);
        grownIds.add(newcomer);
        grownSubjects = new ArrayList<>(subjects);
        grownSubjects.add(new PolicySubject(newcomer.labels(), Map.of()));
    }

    @Setup(Level.Invocation)
    public void warmCache() {
        warm = new PolicyCache();
        warm.resolve(subjects, w.rules(), Map.of(), ids);
    }

    @Benchmark
    public Map<PolicySubject, EndpointPolicy> full() {
        return new PolicyCache().resolve(subjects, w.rules(), Map.of(), ids);
    }

    @Benchmark
    public Map<PolicySubject, EndpointPolicy> podAdded() {
        return warm.resolve(grownSubjects, w.rules(), Map.of(), grownIds);
    }

    @Benchmark
    public int baselineSelectorScan() {
        int n = 0;
        for (PolicySubject s : subjects) {
            for (var r : w.rules()) {
                if (r.subject().matches(s.labels())) {
                    n++;
                }
            }
        }
        return n;
    }
}
