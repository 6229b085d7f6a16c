package io.github.s3migration;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an operator sees from the application itself: the embedded default, and refusals before anything runs. The
 * refusals start no server and run no job: they are in the fast tier.
 */
class ApplicationTest {

    @TempDir
    Path deadLetterDir;
    @TempDir
    Path logDir;
    private ConsoleCapture console;

    @BeforeEach
    void captureConsole() {
        console = new ConsoleCapture();
    }

    @AfterEach
    void releaseConsole() {
        console.close();
    }

    @Test
    void embeddedDefaultMigratesItsSampleDataAndPrintsTheStatusBeforeAndAfter() {
        int exitCode = run("migration.embedded.sample-rows", "300");

        assertThat(exitCode).isEqualTo(ExitCode.DONE.code());
        List<String> lines = lines();
        assertThat(lines).filteredOn(line -> line.equals("Current data status:")).hasSize(2);
        assertThat(lines).filteredOn(line -> line.endsWith("legacy entries in the database"))
                .hasSize(2).last().isEqualTo("* 0 legacy entries in the database");
        assertThat(lines).contains("* 300 production entries in the database");
        assertThat(lines).anyMatch(line -> line.startsWith("Migration finished after"));
    }

    @Test
    void modesThatMigrateNothingStopTheEmbeddedDatabaseWhenTheyEnd() {
        long databasesBefore = embeddedDatabaseProcesses();

        assertThat(run("migration.mode", "status")).isEqualTo(ExitCode.DONE.code());
        assertThat(run(Map.of("migration.mode", "prepare", "prepare.count", "200"))).isEqualTo(ExitCode.DONE.code());

        assertThat(lines()).contains("Current data status:").anyMatch(line -> line.startsWith("Created ")
                && line.contains(" rows with their objects in "));
        assertThat(embeddedDatabaseProcesses()).isEqualTo(databasesBefore);
    }

    /** PostgreSQL servers running on an embedded environment's data directory. */
    private static long embeddedDatabaseProcesses() {
        return ProcessHandle.allProcesses().filter(process -> process.info().commandLine()
                .filter(line -> line.contains("migration-postgres-")).isPresent()).count();
    }

    @Test
    @Tag("fast")
    void prodProfileNamesTheMissingEnvironmentVariable() {
        // As an operator selects it: -Dcamel.main.profile=prod
        System.setProperty("camel.main.profile", "prod");
        int exitCode;
        try {
            exitCode = run("migration.parallelism", "4");
        } finally {
            System.clearProperty("camel.main.profile");
        }

        assertThat(exitCode).isEqualTo(ExitCode.CANNOT_RUN.code());
        assertThat(lines()).contains("ERROR: Missing required setting migration.db.url (environment variable MIGRATION_DB_URL)");
    }

    @Test
    @Tag("fast")
    void endpointsWithoutTheProdProfileAreRefusedRatherThanIgnored() {
        int exitCode = run("migration.db.url", "jdbc:postgresql://db.internal:5432/proddatabase");

        assertThat(exitCode).isEqualTo(ExitCode.CANNOT_RUN.code());
        assertThat(lines()).contains("ERROR: A database or S3 endpoint is set but migration.embedded=true:"
                + " add -Dcamel.main.profile=prod (or -Dmigration.embedded=false)");
    }

    @Test
    @Tag("fast")
    void batchSizeZeroIsRefused() {
        int exitCode = run("migration.batch-size", "0");

        assertThat(exitCode).isEqualTo(ExitCode.CANNOT_RUN.code());
        assertThat(lines()).contains("ERROR: migration.batch-size must be between 1 and 10000, not 0");
    }

    private int run(String key, String value) {
        return run(Map.of(key, value));
    }

    private int run(Map<String, String> settings) {
        Map<String, String> overrides = new HashMap<>(Map.of("migration.dead-letter-dir", deadLetterDir.toString(),
                "migration.log-dir", logDir.toString(),
                "migration.outcome-dir", deadLetterDir.resolve("outcomes").toString()));
        overrides.putAll(settings);
        return MigrationApplication.run(overrides);
    }

    private List<String> lines() {
        return console.lines();
    }
}
