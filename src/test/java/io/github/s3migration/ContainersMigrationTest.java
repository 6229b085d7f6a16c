package io.github.s3migration;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The same scenarios on PostgreSQL and MinIO containers, started once for every area; skipped where no Docker engine
 * runs. Each area is skipped on its own, rather than this class as a whole, so that its tests are reported as skipped
 * (a skipped outer class hides the tests of its nested classes from the report).
 */
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
class ContainersMigrationTest {

    private static final String WITH_DOCKER = "io.github.s3migration.ContainersMigrationTest#dockerAvailable";
    private static final String WITHOUT_DOCKER = "no Docker engine";

    private static final PostgreSQLContainer POSTGRES = new PostgreSQLContainer("postgres:17-alpine")
            .withPassword("pg-secret-8d1f0b");

    private static final MinIOContainer MINIO = new MinIOContainer("minio/minio:RELEASE.2023-09-04T19-57-37Z")
            .withPassword("minio-secret-3b7a5c");

    private static Boolean dockerAvailable;

    @RegisterExtension
    static final ScenarioServers SERVERS = new ScenarioServers() {
        @Override
        public ConnectionSettings connection() {
            return new ConnectionSettings(POSTGRES.getJdbcUrl(), POSTGRES.getUsername(), POSTGRES.getPassword(),
                    MINIO.getS3URL(), "us-east-1", MINIO.getUserName(), MINIO.getPassword(), true);
        }

        /** A paused container refuses nothing but answers nothing: an outage at the same address. */
        @Override
        public void takeDatabaseDown(Duration outage) throws Exception {
            POSTGRES.getDockerClient().pauseContainerCmd(POSTGRES.getContainerId()).exec();
            Thread.sleep(outage.toMillis());
            POSTGRES.getDockerClient().unpauseContainerCmd(POSTGRES.getContainerId()).exec();
        }
    };

    /** What {@code @Testcontainers(disabledWithoutDocker = true)} asks, once. */
    static synchronized boolean dockerAvailable() {
        if (dockerAvailable == null) {
            dockerAvailable = DockerClientFactory.instance().isDockerAvailable();
        }
        return dockerAvailable;
    }

    @BeforeAll
    static void startContainers() {
        if (dockerAvailable()) {
            Startables.deepStart(POSTGRES, MINIO).join();
        }
    }

    @AfterAll
    static void stopContainers() {
        if (dockerAvailable()) {
            MINIO.stop();
            POSTGRES.stop();
        }
    }

    @Nested
    @Order(1)
    @EnabledIf(value = WITH_DOCKER, disabledReason = WITHOUT_DOCKER)
    class Core extends CoreScenarios {
    }

    @Nested
    @Order(2)
    @EnabledIf(value = WITH_DOCKER, disabledReason = WITHOUT_DOCKER)
    class Operator extends OperatorScenarios {
    }

    @Nested
    @Order(3)
    @EnabledIf(value = WITH_DOCKER, disabledReason = WITHOUT_DOCKER)
    class AfterMigration extends AfterMigrationScenarios {
    }

    @Nested
    @Order(4)
    @EnabledIf(value = WITH_DOCKER, disabledReason = WITHOUT_DOCKER)
    class Shards extends ShardScenarios {
    }

    @Nested
    @Order(5)
    @EnabledIf(value = WITH_DOCKER, disabledReason = WITHOUT_DOCKER)
    class Resilience extends ResilienceScenarios {
    }
}
