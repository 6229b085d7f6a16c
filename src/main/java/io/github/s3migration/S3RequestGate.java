package io.github.s3migration;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * Every request of the job's S3 client passes here before it is sent, whatever sends it (the routes, the listings,
 * the pre-flight, the status, an aws2-s3 endpoint's own bucket check at start-up), retries included. It keeps the
 * requests under migration.max-requests-per-second in every sliding one-second window, spaced evenly, and when S3
 * answers 503 SlowDown or 429 it holds every thread back for a short pause, so the whole run slows down rather than one
 * thread, then picks up again.
 *
 * <p>It waits before the SDK starts an attempt's clock, so time spent queueing for the rate limit never counts against
 * the attempt timeout.
 */
public final class S3RequestGate implements ExecutionInterceptor {

    /**
     * A second, and a little more: requests reach the server a few milliseconds after they leave the gate, not all
     * equally late (a new connection, a busy core), and the limit holds at the server.
     */
    private static final long WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(1_050);

    private final long intervalNanos;
    private final long pauseNanos;
    /** When the last {@code maxRequestsPerSecond} requests passed, oldest at {@link #oldestPass}. */
    private final long[] passes;
    private final LongAdder slowDowns = new LongAdder();
    private volatile long resumeAt = System.nanoTime();
    private long nextSlot = System.nanoTime();
    private int oldestPass;

    /**
     * @param maxRequestsPerSecond 0 for no limit
     * @param pauseMillis          how long every thread waits after a SlowDown answer
     */
    public S3RequestGate(int maxRequestsPerSecond, int pauseMillis) {
        this.intervalNanos = maxRequestsPerSecond > 0 ? WINDOW_NANOS / maxRequestsPerSecond : 0;
        this.pauseNanos = TimeUnit.MILLISECONDS.toNanos(pauseMillis);
        this.passes = new long[Math.max(maxRequestsPerSecond, 1)];
        Arrays.fill(passes, System.nanoTime() - WINDOW_NANOS);
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        try {
            acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw AbortedException.builder().message("Interrupted while waiting to send an S3 request").cause(e).build();
        }
    }

    /** A SlowDown (503) or Too Many Requests (429) answer pauses everyone. */
    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        int status = context.httpResponse().statusCode();
        if (TransientS3Failures.isSlowDown(status)) {
            slowDowns.increment();
            // Jitter, so that the threads do not all come back in the same millisecond.
            long until = System.nanoTime() + pauseNanos + ThreadLocalRandom.current().nextLong(pauseNanos / 2 + 1);
            synchronized (this) {
                resumeAt = Math.max(resumeAt, until);
            }
        }
    }

    /**
     * Waits until this thread may send its request: after any pause, at a slot of its own spaced from the others,
     * and only if fewer than the limit passed in the last second. A thread that wakes up late (a busy machine, a GC
     * pause) must not make up for lost time in a burst, so its pass is checked against the clock, not the slot.
     */
    void acquire() throws InterruptedException {
        while (true) {
            sleepUntil(resumeAt);
            if (intervalNanos == 0) {
                return;
            }
            long slot;
            synchronized (this) {
                slot = Math.max(nextSlot, System.nanoTime());
                nextSlot = slot + intervalNanos;
            }
            sleepUntil(slot);
            synchronized (this) {
                long now = System.nanoTime();
                if (now - resumeAt >= 0 && now - passes[oldestPass] >= WINDOW_NANOS) {
                    passes[oldestPass] = now;
                    oldestPass = (oldestPass + 1) % passes.length;
                    return;
                }
            }
        }
    }

    /** How often S3 answered SlowDown or Too Many Requests in this run. */
    public long slowDowns() {
        return slowDowns.sum();
    }

    private static void sleepUntil(long deadline) throws InterruptedException {
        long wait = deadline - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }
}
