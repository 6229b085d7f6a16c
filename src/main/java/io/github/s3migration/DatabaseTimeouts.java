package io.github.s3migration;

import java.time.Duration;

import org.apache.camel.spi.PropertiesComponent;

/**
 * How long the job's database work may wait: a statement, a row lock held by someone else, and the socket under them
 * (a connection that went silent, a black-holed network). A lock or statement timeout fails that statement, which is
 * retried within the retry budget like any transient failure.
 */
public record DatabaseTimeouts(Duration statement, Duration lock) {

    /** Past the statement timeout, so that the server's cancel comes first; a silent socket is given up after this. */
    private static final Duration SOCKET_MARGIN = Duration.ofSeconds(30);

    static DatabaseTimeouts from(PropertiesComponent properties) {
        Settings settings = new Settings(properties);
        return new DatabaseTimeouts(
                Duration.ofMillis(settings.integer("migration.db.statement-timeout-ms", 1, Integer.MAX_VALUE)),
                Duration.ofMillis(settings.integer("migration.db.lock-timeout-ms", 1, Integer.MAX_VALUE)));
    }

    /** Run on each new connection. */
    String sessionSettings() {
        return "SET statement_timeout = " + statement.toMillis() + "; SET lock_timeout = " + lock.toMillis();
    }

    /** PgJDBC's socketTimeout, in seconds. */
    long socketTimeoutSeconds() {
        return statement.plus(SOCKET_MARGIN).toSeconds();
    }
}
