package io.github.s3migration;

import java.time.Duration;

import org.apache.camel.spi.PropertiesComponent;

/**
 * How the job's S3 client sends requests: its HTTP client, the rate limit and the pause after SlowDown, and the time
 * limits of an attempt and of a whole request.
 */
public record S3RequestSettings(
        S3HttpClient httpClient,
        int maxRequestsPerSecond,
        int slowdownPauseMillis,
        Duration requestTimeout,
        Duration attemptTimeoutFloor,
        int attemptTimeoutP99Factor) {

    static S3RequestSettings from(PropertiesComponent properties) {
        Settings settings = new Settings(properties);
        return new S3RequestSettings(
                S3HttpClient.named(settings.required("migration.s3.http-client")),
                settings.integer("migration.max-requests-per-second", 0, 1_000_000),
                settings.integer("migration.slowdown-pause-ms", 0, 60_000),
                Duration.ofSeconds(settings.integer("migration.s3.timeout-seconds", 1, 3_600)),
                Duration.ofMillis(settings.integer("migration.s3.attempt-timeout-floor-ms", 1, 86_400_000)),
                settings.integer("migration.s3.attempt-timeout-p99-factor", 1, 1_000));
    }

    AttemptTimeouts attemptTimeouts() {
        return new AttemptTimeouts(attemptTimeoutFloor, requestTimeout, attemptTimeoutP99Factor);
    }

    S3RequestGate gate() {
        return new S3RequestGate(maxRequestsPerSecond, slowdownPauseMillis);
    }
}
