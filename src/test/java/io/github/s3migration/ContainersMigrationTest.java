package io.github.s3migration;

import java.time.Duration;

import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** The same scenarios on PostgreSQL and MinIO containers; skipped where no Docker engine runs. */
@Testcontainers(disabledWithoutDocker = true)
class ContainersMigrationTest extends MigrationScenarios {

    @Container
    private static final PostgreSQLContainer POSTGRES = new PostgreSQLContainer("postgres:17-alpine")
            .withPassword("pg-secret-8d1f0b");

    @Container
    private static final MinIOContainer MINIO = new MinIOContainer("minio/minio:RELEASE.2023-09-04T19-57-37Z")
            .withPassword("minio-secret-3b7a5c");

    @Override
    protected ConnectionSettings connection() {
        return new ConnectionSettings(POSTGRES.getJdbcUrl(), POSTGRES.getUsername(), POSTGRES.getPassword(),
                MINIO.getS3URL(), "us-east-1", MINIO.getUserName(), MINIO.getPassword(), true);
    }

    /** A paused container refuses nothing but answers nothing: an outage at the same address. */
    @Override
    protected void takeDatabaseDown(Duration outage) throws Exception {
        POSTGRES.getDockerClient().pauseContainerCmd(POSTGRES.getContainerId()).exec();
        Thread.sleep(outage.toMillis());
        POSTGRES.getDockerClient().unpauseContainerCmd(POSTGRES.getContainerId()).exec();
    }
}
