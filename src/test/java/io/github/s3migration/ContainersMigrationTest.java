package io.github.s3migration;

import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** The same scenarios on PostgreSQL and MinIO containers; skipped where no Docker engine runs. */
@Testcontainers(disabledWithoutDocker = true)
class ContainersMigrationTest extends MigrationScenarios {

    @Container
    private static final PostgreSQLContainer POSTGRES = new PostgreSQLContainer("postgres:17-alpine");

    @Container
    private static final MinIOContainer MINIO = new MinIOContainer("minio/minio:RELEASE.2023-09-04T19-57-37Z");

    @Override
    protected ConnectionSettings connection() {
        return new ConnectionSettings(POSTGRES.getJdbcUrl(), POSTGRES.getUsername(), POSTGRES.getPassword(),
                MINIO.getS3URL(), "us-east-1", MINIO.getUserName(), MINIO.getPassword(), true);
    }
}
