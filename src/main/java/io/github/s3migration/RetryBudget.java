package io.github.s3migration;

import java.util.concurrent.TimeUnit;

import org.apache.camel.Exchange;
import org.apache.camel.Predicate;

/**
 * When a transient failure is retried: until the row (or batch) has been failing for migration.retry.max-total-seconds,
 * and at most migration.retry.max-redeliveries times when that is set. Only then does it go to dead letters.
 */
public final class RetryBudget implements Predicate {

    private static final String FIRST_FAILURE = "migrationFirstFailureNanos";

    private final long budgetNanos;
    private final int maxRedeliveries;

    /** @param maxRedeliveries a negative number for no limit but the time */
    public RetryBudget(int maxTotalSeconds, int maxRedeliveries) {
        this.budgetNanos = TimeUnit.SECONDS.toNanos(maxTotalSeconds);
        this.maxRedeliveries = maxRedeliveries;
    }

    @Override
    public boolean matches(Exchange exchange) {
        long now = System.nanoTime();
        Long firstFailure = exchange.getProperty(FIRST_FAILURE, Long.class);
        if (firstFailure == null) {
            firstFailure = now;
            exchange.setProperty(FIRST_FAILURE, now);
        }
        int redeliveries = exchange.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class);
        return now - firstFailure < budgetNanos && (maxRedeliveries < 0 || redeliveries < maxRedeliveries);
    }
}
