package io.github.s3migration;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The progress line's rate: over about the last 30 seconds, not over the last interval nor the whole run. */
@Tag("fast")
class RateWindowTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void theRateIsOverTheWindowNotTheLastInterval() {
        RateWindow window = new RateWindow(0);

        // A batch of 100 rows lands every 5 s: per interval the rate would swing between 0 and 20 rows/s.
        assertThat(window.rate(5 * SECOND, 100)).isCloseTo(20.0, within(0.001));
        assertThat(window.rate(10 * SECOND, 100)).isCloseTo(10.0, within(0.001));
        assertThat(window.rate(15 * SECOND, 200)).isCloseTo(200 / 15.0, within(0.001));
    }

    @Test
    void countsOlderThanThirtySecondsLeaveTheWindow() {
        RateWindow window = new RateWindow(0);
        window.rate(10 * SECOND, 10_000);
        window.rate(35 * SECOND, 10_000);

        // The 10,000 rows of the first 10 s have left the window: no row since.
        assertThat(window.rate(45 * SECOND, 10_000)).isZero();
        assertThat(window.rate(50 * SECOND, 10_500)).isCloseTo(500 / 15.0, within(0.001));
    }

    @Test
    void thePreviousCountStaysWhateverItsAge() {
        RateWindow window = new RateWindow(0);

        assertThat(window.rate(120 * SECOND, 600)).isCloseTo(5.0, within(0.001));
        assertThat(window.rate(240 * SECOND, 1_800)).isCloseTo(10.0, within(0.001));
    }

    @Test
    void noTimeElapsedIsNoRate() {
        assertThat(new RateWindow(7).rate(7, 100)).isZero();
    }
}
