package io.github.s3migration;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which S3 failures another attempt may cure, and the few attempts the requests outside the routes get. */
@Tag("fast")
class TransientS3FailuresTest {

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {500, 502, 503, 504, 408, 429})
    void serverErrorsTimeoutsAndTooManyRequestsAreTransient(int status) {
        assertThat(TransientS3Failures.isTransient(answer(status))).isTrue();
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {400, 401, 403, 404, 409, 412})
    void otherClientErrorsArePermanent(int status) {
        assertThat(TransientS3Failures.isTransient(answer(status))).isFalse();
    }

    @Test
    void noAnswerAtAllIsTransient() {
        assertThat(TransientS3Failures.isTransient(SdkClientException.create("Unable to execute HTTP request"))).isTrue();
        assertThat(TransientS3Failures.isTransient(ApiCallAttemptTimeoutException.create(2_000))).isTrue();
    }

    @Test
    void aTransientFailureIsRetriedUntilTheRequestPasses() {
        AtomicInteger attempts = new AtomicInteger();

        String answer = TransientS3Failures.retried(() -> {
            if (attempts.incrementAndGet() < 3) {
                throw answer(503);
            }
            return "listed";
        });

        assertThat(answer).isEqualTo("listed");
        assertThat(attempts).hasValue(3);
    }

    @Test
    void aPermanentFailureIsThrownAtOnce() {
        AtomicInteger attempts = new AtomicInteger();
        S3Exception denied = answer(403);

        assertThatThrownBy(() -> TransientS3Failures.retried(() -> {
            attempts.incrementAndGet();
            throw denied;
        })).isSameAs(denied);
        assertThat(attempts).hasValue(1);
    }

    @Test
    void afterSixAttemptsTheLastFailureIsThrown() {
        AtomicInteger attempts = new AtomicInteger();
        long start = System.nanoTime();

        assertThatThrownBy(() -> TransientS3Failures.retried(() -> {
            throw answer(500 + attempts.incrementAndGet());
        })).isInstanceOfSatisfying(S3Exception.class, last -> assertThat(last.statusCode()).isEqualTo(506));

        assertThat(attempts).hasValue(6);
        // About 6 s of backoff: 0.2 + 0.4 + 0.8 + 1.6 + 3.2 s.
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(6_200_000_000L);
    }

    @Test
    void anInterruptedThreadStopsRetrying() {
        AtomicInteger attempts = new AtomicInteger();
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> TransientS3Failures.retried(() -> {
                attempts.incrementAndGet();
                throw answer(503);
            })).isInstanceOf(S3Exception.class);
            assertThat(attempts).hasValue(1);
        } finally {
            Thread.interrupted();
        }
    }

    private static S3Exception answer(int status) {
        return (S3Exception) S3Exception.builder().statusCode(status).message("HTTP " + status).build();
    }
}
