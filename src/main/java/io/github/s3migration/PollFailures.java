package io.github.s3migration;

import java.util.concurrent.TimeUnit;

import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.spi.ExceptionHandler;
import org.apache.camel.spi.PollingConsumerPollStrategy;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poller's error budget. A failed poll is tried again at the next poll while the failure may pass (a database
 * restart) and for at most the retry budget; a permanent failure (a column renamed mid-run, a privilege revoked) or
 * one that outlasts the budget ends the run: no more rows are handed out, the rows in flight finish, and the exit code
 * says the run could not complete. One line per failure streak, not one per poll.
 */
public final class PollFailures implements PollingConsumerPollStrategy, ExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(PollFailures.class);

    private final MigrationRun run;
    private final long budgetNanos;
    private long firstFailureNanos;
    private boolean failing;

    public PollFailures(MigrationRun run, int budgetSeconds) {
        this.run = run;
        this.budgetNanos = TimeUnit.SECONDS.toNanos(budgetSeconds);
    }

    /** Once the run has given up handing out rows, no more polls. */
    @Override
    public boolean begin(Consumer consumer, Endpoint endpoint) {
        return run.handOutFailure() == null;
    }

    @Override
    public synchronized void commit(Consumer consumer, Endpoint endpoint, int polledMessages) {
        if (failing) {
            LOG.info("Polling the legacy rows works again");
            failing = false;
        }
    }

    @Override
    public synchronized boolean rollback(Consumer consumer, Endpoint endpoint, int retryCounter, Exception cause) {
        long now = System.nanoTime();
        boolean permanent = PermanentSqlFailure.isPermanent(cause);
        if (!failing) {
            failing = true;
            firstFailureNanos = now;
            if (!permanent) {
                LOG.warn("WARNING: polling the legacy rows failed, trying again: {}", MigrationApplication.describe(cause));
            }
        }
        if (permanent || now - firstFailureNanos >= budgetNanos) {
            run.handingOutFailed("polling the legacy rows failed: " + MigrationApplication.describe(cause));
        }
        return false;
    }

    /** Said once per streak by {@link #rollback} instead of a stack trace per poll. */
    @Override
    public void handleException(Throwable exception) {
    }

    @Override
    public void handleException(String message, Throwable exception) {
    }

    @Override
    public void handleException(String message, Exchange exchange, Throwable exception) {
    }
}
