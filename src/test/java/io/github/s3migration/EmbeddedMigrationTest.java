package io.github.s3migration;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The scenarios on the embedded PostgreSQL and S3Proxy: what `mvn camel:run` uses, and what runs everywhere. */
class EmbeddedMigrationTest extends MigrationScenarios {

    private static EmbeddedEnvironment environment;

    @BeforeAll
    static void startServers() throws Exception {
        environment = EmbeddedEnvironment.start(LEGACY_BUCKET, PRODUCTION_BUCKET);
    }

    @AfterAll
    static void stopServers() throws Exception {
        environment.close();
    }

    @Override
    protected ConnectionSettings connection() {
        return environment.connectionSettings();
    }

    @Override
    protected void takeDatabaseDown(Duration outage) throws Exception {
        environment.restartDatabase(outage);
    }
}
