package io.github.s3migration;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The scenarios on the embedded PostgreSQL and S3Proxy: what `mvn camel:run` uses, and what runs everywhere. One pair of
 * servers for every area; the fault tests last.
 */
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
class EmbeddedMigrationTest {

    private static EmbeddedEnvironment environment;

    @RegisterExtension
    static final ScenarioServers SERVERS = new ScenarioServers() {
        @Override
        public ConnectionSettings connection() {
            return environment.connectionSettings();
        }

        @Override
        public void takeDatabaseDown(Duration outage) throws Exception {
            environment.restartDatabase(outage);
        }
    };

    @BeforeAll
    static void startServers() throws Exception {
        environment = EmbeddedEnvironment.start(ScenarioSupport.LEGACY_BUCKET, ScenarioSupport.PRODUCTION_BUCKET);
    }

    @AfterAll
    static void stopServers() throws Exception {
        environment.close();
    }

    @Nested
    @Order(1)
    class Core extends CoreScenarios {
    }

    @Nested
    @Order(2)
    class Operator extends OperatorScenarios {
    }

    @Nested
    @Order(3)
    class AfterMigration extends AfterMigrationScenarios {
    }

    @Nested
    @Order(4)
    class Shards extends ShardScenarios {
    }

    @Nested
    @Order(5)
    class Resilience extends ResilienceScenarios {
    }
}
