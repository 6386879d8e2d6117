package io.sluice.operator;

import io.sluice.policy.Labels;
import io.sluice.policy.PodIdentity;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class IdentityPlanTest {
    static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");
    static final Duration GRACE = Duration.ofMinutes(15);

    static Labels pod(String cls) {
        return PodIdentity.labels("default", Map.of("class", cls), Map.of(), "default");
    }

    @Test
    void eachLabelSetInUse_getsOneIdentity_onceOnly() {
        Map<String, Instant> unused = new HashMap<>();
        IdentityPlan plan = IdentityPlan.of(List.of(pod("deathstar"), pod("deathstar"), pod("xwing")), Map.of(), unused, T0, GRACE);
        assertThat(plan.create()).hasSize(2).containsValues(pod("deathstar"), pod("xwing"));
        assertThat(plan.create()).containsKey(PodIdentity.allocate(pod("deathstar"), Map.of()));
        Map<String, Labels> existing = new HashMap<>();
        plan.create().forEach((id, l) -> existing.put(Integer.toString(id), l));
        assertThat(IdentityPlan.of(List.of(pod("deathstar"), pod("xwing")), existing, unused, T0, GRACE).create()).isEmpty();
    }

    @Test
    void aTakenNumber_isNotGivenTwice() {
        int id = PodIdentity.allocate(pod("deathstar"), Map.of());
        IdentityPlan plan = IdentityPlan.of(List.of(pod("deathstar")), Map.of(Integer.toString(id), pod("other")), new HashMap<>(),
                T0, GRACE);
        assertThat(plan.create()).containsOnlyKeys(id == 65535 ? 256 : id + 1);
    }

    @Test
    void unusedIdentity_isDeletedAfterTheGracePeriod_unlessUsedAgain() {
        Map<String, Instant> unused = new HashMap<>();
        Map<String, Labels> existing = Map.of("300", pod("gone"), "301", pod("back"), "not-a-number", pod("x"));
        assertThat(IdentityPlan.of(List.of(), existing, unused, T0, GRACE).delete()).isEmpty();
        assertThat(IdentityPlan.of(List.of(pod("back")), existing, unused, T0.plusSeconds(600), GRACE).delete()).isEmpty();
        assertThat(IdentityPlan.of(List.of(), existing, unused, T0.plus(GRACE), GRACE).delete()).containsExactly("300");
        // 301 was used at +10 min: its grace started again at +15 min
        Map<String, Labels> left = Map.of("301", pod("back"), "not-a-number", pod("x"));
        assertThat(IdentityPlan.of(List.of(), left, unused, T0.plus(GRACE).plusSeconds(60), GRACE).delete()).isEmpty();
        assertThat(unused).containsOnlyKeys("301");
        assertThat(IdentityPlan.of(List.of(), left, unused, T0.plus(GRACE).plus(GRACE), GRACE).delete()).containsExactly("301");
    }
}
