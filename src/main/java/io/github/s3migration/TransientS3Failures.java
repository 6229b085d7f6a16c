package io.github.s3migration;

import java.util.function.Supplier;

import org.apache.camel.Exchange;
import org.apache.camel.Predicate;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Which S3 failures another attempt may cure (no answer, a timeout, a reset connection, 5xx, 408, 429), and a few
 * attempts with backoff for the requests the job sends outside the routes: pre-flight, status, verify. The routes
 * retry through Camel's redelivery policy instead, within the retry budget; as a bean ({@code permanentS3Failure}) this
 * tells their error handling which S3 answers not to retry.
 */
public final class TransientS3Failures implements Predicate {

    private static final int ATTEMPTS = 6;
    private static final long FIRST_DELAY_MILLIS = 100;

    /** An answer that asks the client to slow down: the request gate then holds every thread back. */
    static boolean isSlowDown(int status) {
        return status == 503 || status == 429;
    }

    static boolean isTransientStatus(int status) {
        return status >= 500 || status == 408 || status == 429;
    }

    static boolean isTransient(SdkException failure) {
        return failure instanceof SdkClientException
                || (failure instanceof S3Exception answer && isTransientStatus(answer.statusCode()));
    }

    /** The exchange failed with an S3 answer that another attempt will not change (NoSuchKey, AccessDenied, ...). */
    @Override
    public boolean matches(Exchange exchange) {
        Throwable failure = exchange.getException() != null ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        return failure instanceof S3Exception answer && !isTransientStatus(answer.statusCode());
    }

    /** The request's answer, after up to {@value #ATTEMPTS} attempts for transient failures (about 6 s of backoff). */
    static <T> T retried(Supplier<T> request) {
        for (int attempt = 1; ; attempt++) {
            try {
                return request.get();
            } catch (SdkException e) {
                if (!isTransient(e) || attempt == ATTEMPTS || Thread.currentThread().isInterrupted()) {
                    throw e;
                }
                try {
                    Thread.sleep(FIRST_DELAY_MILLIS << attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
