package io.github.s3migration;

import org.apache.camel.LoggingLevel;
import org.apache.camel.processor.errorhandler.RedeliveryPolicy;
import org.apache.camel.spi.PropertiesComponent;

/**
 * How transient failures are retried, in every route and by the poller: exponential backoff with jitter between
 * {@code initialDelayMillis} and {@code maxDelayMillis}, for at most {@code maxTotalSeconds} (and
 * {@code maxRedeliveries} times, if not -1).
 */
public record RetrySettings(int maxTotalSeconds, int maxRedeliveries, int initialDelayMillis, int maxDelayMillis) {

    static RetrySettings from(PropertiesComponent properties) {
        Settings settings = new Settings(properties);
        int initialDelay = settings.integer("migration.retry.initial-delay-ms", 0, 600_000);
        return new RetrySettings(
                settings.integer("migration.retry.max-total-seconds", 0, 86_400),
                settings.integer("migration.retry.max-redeliveries", -1, 1_000_000),
                initialDelay,
                settings.integer("migration.retry.max-delay-ms", initialDelay, 3_600_000));
    }

    /** Quiet: the run's summary and dead letters say what failed. How long to go on is the budget's business. */
    RedeliveryPolicy policy() {
        RedeliveryPolicy policy = new RedeliveryPolicy();
        policy.setRedeliveryDelay(initialDelayMillis);
        policy.setMaximumRedeliveryDelay(maxDelayMillis);
        policy.setUseExponentialBackOff(true);
        policy.setBackOffMultiplier(2);
        policy.setUseCollisionAvoidance(true);
        policy.setMaximumRedeliveries(-1);
        policy.setRetryAttemptedLogLevel(LoggingLevel.DEBUG);
        policy.setRetriesExhaustedLogLevel(LoggingLevel.DEBUG);
        policy.setLogStackTrace(false);
        return policy;
    }

    RetryBudget budget() {
        return new RetryBudget(maxTotalSeconds, maxRedeliveries);
    }
}
