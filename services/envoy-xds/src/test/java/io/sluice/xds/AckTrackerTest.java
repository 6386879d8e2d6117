package io.sluice.xds;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AckTrackerTest {
    static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";

    @Test
    void ack_recordsTheVersionOfTheEchoedNonce() {
        AckTracker t = new AckTracker();
        t.sent(LDS, "0", "v1");
        assertThat(t.answered(LDS, "0", "")).isTrue();
        assertThat(t.states()).singleElement().satisfies(s -> {
            assertThat(s.acked()).isEqualTo("v1");
            assertThat(s.nackMessage()).isEmpty();
        });
    }

    @Test
    void nack_keepsThePreviousVersionAndRecordsEnvoysMessage() {
        AckTracker t = new AckTracker();
        t.sent(LDS, "0", "v1");
        t.answered(LDS, "0", "");
        t.sent(LDS, "1", "v2");
        assertThat(t.answered(LDS, "1", "Proto constraint validation failed")).isTrue();
        assertThat(t.states()).singleElement().satisfies(s -> {
            assertThat(s.acked()).isEqualTo("v1");
            assertThat(s.sent()).isEqualTo("v2");
            assertThat(s.nackedVersion()).isEqualTo("v2");
            assertThat(s.nackMessage()).contains("constraint");
        });
    }

    @Test
    void laterAck_clearsTheRejection() {
        AckTracker t = new AckTracker();
        t.sent(LDS, "0", "v2");
        t.answered(LDS, "0", "bad");
        t.sent(LDS, "1", "v3");
        t.answered(LDS, "1", "");
        assertThat(t.states()).singleElement().satisfies(s -> {
            assertThat(s.acked()).isEqualTo("v3");
            assertThat(s.nackMessage()).isEmpty();
        });
    }

    @Test
    void unknownOrEmptyNonce_changesNothing() {
        AckTracker t = new AckTracker();
        assertThat(t.answered(LDS, "", "")).isFalse();
        assertThat(t.answered(LDS, "42", "")).isFalse();
        assertThat(t.states()).isEmpty();
    }

    @Test
    void answerArrivingBeforeTheResponseIsRecorded_isAppliedWhenItIs() {
        AckTracker t = new AckTracker();
        assertThat(t.answered(LDS, "3", "bad listener")).isFalse();
        assertThat(t.sent(LDS, "3", "v4")).isTrue();
        assertThat(t.states()).singleElement().satisfies(s -> {
            assertThat(s.nackedVersion()).isEqualTo("v4");
            assertThat(s.nackMessage()).isEqualTo("bad listener");
        });
    }
}
