package io.github.s3migration;

import java.util.function.Supplier;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Which S3 failures another attempt may cure (no answer, a timeout, a reset connection, 5xx, 408, 429), and a few
 * attempts with backoff for the requests the job sends outside the routes: pre-flight, status, verify. The routes
 * retry through Camel's redelivery policy instead, within the retry budget.
 */
final class TransientS3Failures {

    private static final int ATTEMPTS = 6;
    private static final long FIRST_DELAY_MILLIS = 100;

    private TransientS3Failures() {
    }

    static boolean isTransient(SdkException failure) {
        return failure instanceof SdkClientException
                || (failure instanceof S3Exception answer && (answer.statusCode() >= 500 || answer.statusCode() == 408
                        || answer.statusCode() == 429));
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
