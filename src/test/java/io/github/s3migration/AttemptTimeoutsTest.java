package io.github.s3migration;

import java.time.Duration;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("fast")
class AttemptTimeoutsTest {

    private final AttemptTimeouts timeouts = new AttemptTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(120), 4);

    @Test
    void beforeEnoughAnswersAnAttemptMayTakeTheFloorTimesTheFactor() {
        timeouts.record("CopyObject", Duration.ofMillis(100).toNanos());

        assertThat(timeouts.limit("CopyObject")).isEqualTo(Duration.ofSeconds(8));
    }

    @Test
    void fastAnswersGiveTheFloor() {
        record("CopyObject", 200, Duration.ofMillis(100));

        assertThat(timeouts.limit("CopyObject")).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void theLimitFollowsTheP99OfThatOperationOnly() {
        record("CopyObject", 198, Duration.ofMillis(100));
        record("CopyObject", 2, Duration.ofSeconds(3));
        record("HeadObject", 200, Duration.ofMillis(20));

        // p99 of 200 answers is the 198th: 100 ms; two slow ones are the tail the limit is there to cut.
        assertThat(timeouts.limit("CopyObject")).isEqualTo(Duration.ofSeconds(2));
        record("CopyObject", 56, Duration.ofSeconds(3));
        assertThat(timeouts.limit("CopyObject")).isEqualTo(Duration.ofSeconds(12));
        assertThat(timeouts.limit("HeadObject")).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void neverOverTheWholeRequestLimit() {
        record("CopyObject", 200, Duration.ofSeconds(50));

        assertThat(timeouts.limit("CopyObject")).isEqualTo(Duration.ofSeconds(120));
        assertThat(timeouts.ceiling()).isEqualTo(Duration.ofSeconds(120));
    }

    private void record(String operation, int times, Duration latency) {
        for (int i = 0; i < times; i++) {
            timeouts.record(operation, latency.toNanos());
        }
    }
}
