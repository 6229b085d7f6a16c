package io.github.s3migration;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Every S3 request of the migration passes here first, on every thread, retries included: it spaces requests to stay
 * under migration.max-requests-per-second, and when S3 answers 503 SlowDown or 429 it holds every thread back for a
 * short pause, so the whole run slows down rather than one thread, then picks up again.
 */
public final class S3RequestGate implements Processor {

    private final long intervalNanos;
    private final long pauseNanos;
    private final LongAdder slowDowns = new LongAdder();
    private volatile long resumeAt = System.nanoTime();
    private long nextSlot = System.nanoTime();

    /**
     * @param maxRequestsPerSecond 0 for no limit
     * @param pauseMillis          how long every thread waits after a SlowDown answer
     */
    public S3RequestGate(int maxRequestsPerSecond, int pauseMillis) {
        this.intervalNanos = maxRequestsPerSecond > 0 ? TimeUnit.SECONDS.toNanos(1) / maxRequestsPerSecond : 0;
        this.pauseNanos = TimeUnit.MILLISECONDS.toNanos(pauseMillis);
    }

    /** Waits until this thread may send its request. */
    public void acquire() throws InterruptedException {
        sleepUntil(resumeAt);
        if (intervalNanos > 0) {
            long slot;
            synchronized (this) {
                slot = Math.max(nextSlot, System.nanoTime());
                nextSlot = slot + intervalNanos;
            }
            sleepUntil(slot);
        }
    }

    /** Called as soon as a request fails: a SlowDown (503) or Too Many Requests (429) pauses everyone. */
    @Override
    public void process(Exchange exchange) {
        if (exchange.getProperty(Exchange.EXCEPTION_CAUGHT) instanceof S3Exception error
                && (error.statusCode() == 503 || error.statusCode() == 429)) {
            slowDowns.increment();
            // Jitter, so that the threads do not all come back in the same millisecond.
            long until = System.nanoTime() + pauseNanos + ThreadLocalRandom.current().nextLong(pauseNanos / 2 + 1);
            synchronized (this) {
                resumeAt = Math.max(resumeAt, until);
            }
        }
    }

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
