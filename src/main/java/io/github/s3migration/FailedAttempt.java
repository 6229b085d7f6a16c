package io.github.s3migration;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;

/**
 * Run by the rows' error handler at every failed attempt (its onExceptionOccurred): counts the attempts for the dead
 * letter (Camel's dead letter channel removes its own redelivery counter before the letter is written), and marks an
 * exchange whose S3 attempt {@link AttemptTimeouts} cut off, so that its next copy may take the whole request time.
 */
public final class FailedAttempt implements Processor {

    /** Exchange property: the attempts made so far. */
    public static final String ATTEMPTS = "migrationAttempts";
    /** Exchange property: an S3 attempt of this exchange was cut off by its adaptive limit. */
    public static final String ATTEMPT_CUT_OFF = "migrationAttemptCutOff";

    @Override
    public void process(Exchange exchange) {
        exchange.setProperty(ATTEMPTS, exchange.getProperty(ATTEMPTS, 0, Integer.class) + 1);
        if (exchange.getProperty(Exchange.EXCEPTION_CAUGHT) instanceof ApiCallAttemptTimeoutException) {
            exchange.setProperty(ATTEMPT_CUT_OFF, true);
        }
    }
}
