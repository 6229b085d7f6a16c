package io.github.s3migration;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("fast")
class S3RequestGateTest {

    /** The passes are timed just after the gate lets each through, so one more than the limit may show in a window. */
    @Test
    void manyThreadsPassAtMostTheLimitInAnySlidingSecond() throws Exception {
        S3RequestGate gate = new S3RequestGate(20, 0);
        List<Long> passes = Collections.synchronizedList(new ArrayList<>());
        ExecutorService threads = Executors.newFixedThreadPool(16);
        for (int i = 0; i < 50; i++) {
            threads.execute(() -> {
                try {
                    gate.acquire();
                    passes.add(System.nanoTime());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        threads.shutdown();
        assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

        List<Long> sorted = passes.stream().sorted().toList();
        assertThat(sorted).hasSize(50);
        for (int i = 21; i < sorted.size(); i++) {
            assertThat(sorted.get(i) - sorted.get(i - 21)).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(1));
        }
        // Not slower than the limit either: 50 passes at 20 a second take about 1.5 s after the first 20.
        assertThat(sorted.get(49) - sorted.get(0)).isLessThan(TimeUnit.SECONDS.toNanos(4));
    }
}
