package io.github.s3migration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import static org.assertj.core.api.Assertions.assertThat;

/** The packaged jar, as an operator runs it on a production box: `java -jar`, the prod profile, MIGRATION_* variables. */
class PackagedJobIT {

    private static EmbeddedEnvironment servers;

    @TempDir
    Path workDirectory;

    @BeforeAll
    static void startServers() throws Exception {
        servers = EmbeddedEnvironment.start(ScenarioSupport.LEGACY_BUCKET, ScenarioSupport.PRODUCTION_BUCKET);
    }

    @AfterAll
    static void stopServers() throws Exception {
        servers.close();
    }

    @Test
    void theJarMigratesUnderTheProdProfileWithNoMavenAround() throws Exception {
        ConnectionSettings connection = servers.connectionSettings();
        try (HikariDataSource db = MigrationConfiguration.newDataSource(connection, 2);
             S3Client s3 = MigrationConfiguration.newS3Client(connection, S3HttpClient.APACHE, 8, 30)) {
            SampleDataset dataset = new SampleDataset(db, s3, ScenarioSupport.SETTINGS, 8);
            dataset.recreateTable();
            dataset.insertRows(ScenarioSupport.numberedKeys("image/", 200));
            dataset.uploadObjects(ScenarioSupport.numberedKeys("image/", 200), 3);
        }
        Path jar = Path.of("target", "s3-row-migration.jar").toAbsolutePath();
        Path output = workDirectory.resolve("console.txt");
        ProcessBuilder job = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dcamel.main.profile=prod", "-Dmigration.assume-yes=true", "-jar", jar.toString())
                .directory(workDirectory.toFile()).redirectErrorStream(true).redirectOutput(output.toFile());
        job.environment().putAll(Map.of("MIGRATION_DB_URL", connection.dbUrl(), "MIGRATION_DB_USER", connection.dbUser(),
                "MIGRATION_S3_ENDPOINT", connection.s3Endpoint(), "MIGRATION_S3_REGION", connection.s3Region(),
                "MIGRATION_S3_ACCESS_KEY", connection.s3AccessKey(), "MIGRATION_S3_SECRET_KEY", connection.s3SecretKey(),
                "MIGRATION_S3_PATH_STYLE", "true"));
        Process process = job.start();

        assertThat(process.waitFor(3, TimeUnit.MINUTES)).isTrue();
        List<String> console = Files.readAllLines(output);
        assertThat(process.exitValue()).as(String.join("\n", console)).isZero();
        assertThat(console).contains("* 200 legacy entries in the database", "* 0 legacy entries in the database")
                .anyMatch(line -> line.startsWith("Migration finished after"));
        // The log file goes where the job runs, as with camel:run.
        assertThat(workDirectory.resolve("logs")).isDirectoryContaining("glob:**/migration-*.log");
    }
}
