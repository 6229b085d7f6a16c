package io.github.s3migration;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The migration job run end to end, as an operator runs it, against a real PostgreSQL and a real S3 server.
 * Subclasses say where those servers are: embedded here, in containers where a Docker engine exists.
 */
abstract class MigrationScenarios {

    static final String LEGACY_BUCKET = "sketch-legacy-s3";
    static final String PRODUCTION_BUCKET = "sketch-production-s3";
    static final MigrationSettings SETTINGS = new MigrationSettings("avatars", "id", "path", LEGACY_BUCKET, "image/",
            PRODUCTION_BUCKET, "avatar/", 100, 32, true, "dead-letters");

    @TempDir
    Path deadLetterDir;
    @TempDir
    Path logDir;
    HikariDataSource db;
    S3Client s3;

    /** Where the database and the S3 server of this run of the scenarios are. */
    protected abstract ConnectionSettings connection();

    /** Makes the database unreachable for a while, then reachable again at the same address with the same data. */
    protected abstract void takeDatabaseDown(Duration outage) throws Exception;

    @BeforeEach
    void startFromNothing() throws Exception {
        db = MigrationConfiguration.newDataSource(connection(), 4);
        s3 = MigrationConfiguration.newS3Client(connection(), S3HttpClient.APACHE, 32, 30);
        for (String bucket : List.of(LEGACY_BUCKET, PRODUCTION_BUCKET)) {
            emptyOrCreate(bucket);
        }
        dataset().recreateTable();
    }

    @AfterEach
    void closeClients() {
        db.close();
        s3.close();
    }

    @Test
    void migratesMixedDatasetAndLeavesUnexpectedRowsAlone() throws Exception {
        long legacy = dataset().create(400, 0.5, 1024, 8192, 7).legacyRows();
        List<String> unexpected = List.of("other/avatar-1.png", "image", "IMAGE/avatar-2.png", "");
        insertRows(unexpected, false);
        execute("INSERT INTO avatars (path) VALUES (NULL)");

        assertThat(migrate()).isEqualTo(ExitCode.DONE.code());

        List<String> keys = keys();
        assertThat(keys.stream().filter(key -> key != null && key.startsWith("image/"))).isEmpty();
        List<String> production = keys.stream().filter(key -> key != null && key.startsWith("avatar/")).toList();
        assertThat(production).hasSize(400);
        assertThat(objectKeys(PRODUCTION_BUCKET)).containsAll(production);
        assertThat(keys.subList(400, 405)).containsExactly("other/avatar-1.png", "image", "IMAGE/avatar-2.png", "", null);
        assertThat(objectKeys(LEGACY_BUCKET)).hasSize((int) legacy);
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void reRunAfterCompletionCopiesNothing() throws Exception {
        dataset().create(200, 0.5, 1024, 8192, 11);
        assertThat(migrate()).isEqualTo(ExitCode.DONE.code());
        List<String> afterFirstRun = keys();
        // Any copy attempted now would fail and be dead-lettered.
        emptyOrCreate(LEGACY_BUCKET);

        assertThat(migrate("migration.skip-existing", "false")).isEqualTo(ExitCode.DONE.code());

        assertThat(keys()).isEqualTo(afterFirstRun);
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void existenceCheckKeepsObjectsAlreadyAtTheTarget() throws Exception {
        givenObjectAlreadyCopied();

        assertThat(migrate()).isEqualTo(ExitCode.DONE.code());

        assertThat(keys()).containsExactly("avatar/a.png", "avatar/b.png");
        assertThat(content(PRODUCTION_BUCKET, "avatar/a.png")).isEqualTo("copied earlier");
        assertThat(content(PRODUCTION_BUCKET, "avatar/b.png")).isEqualTo("legacy b");
        assertThat(logLines()).anyMatch(line -> line.contains("Migration finished after ")
                && line.contains(": 1 files copied, 1 already present, 2 rows updated"));
    }

    @Test
    void existenceCheckFindsObjectsAlreadyCopiedWhenTheBatchKeysAreFarApart() throws Exception {
        // Between the batch's two target keys lie more keys than one listing reads: each row asks with a HEAD.
        insertRows(List.of("image/a.png", "image/z.png"), false);
        insertObject(LEGACY_BUCKET, "image/a.png", "legacy a");
        insertObject(LEGACY_BUCKET, "image/z.png", "legacy z");
        insertObject(PRODUCTION_BUCKET, "avatar/z.png", "copied earlier");
        dataset().uploadObjects(
                IntStream.rangeClosed(1, 1_100).mapToObj(i -> "avatar/m-" + i + ".png").toList(), 3);

        assertThat(migrate()).isEqualTo(ExitCode.DONE.code());

        assertThat(keys()).containsExactly("avatar/a.png", "avatar/z.png");
        assertThat(content(PRODUCTION_BUCKET, "avatar/a.png")).isEqualTo("legacy a");
        assertThat(content(PRODUCTION_BUCKET, "avatar/z.png")).isEqualTo("copied earlier");
    }

    @Test
    void existenceCheckFindsAWholeBatchAlreadyCopiedAcrossSeveralListingPages() throws Exception {
        // As after a crash between the copies and the update: every target exists, no source does (a copy would fail).
        insertRows(numberedKeys("image/", 300), false);
        dataset().uploadObjects(numberedKeys("avatar/", 300), 3);

        assertThat(migrate("migration.batch-size", "300")).isEqualTo(ExitCode.DONE.code());

        assertThat(keys()).isEqualTo(numberedKeys("avatar/", 300));
        assertThat(deadLetters()).isEmpty();
        assertThat(logLines()).anyMatch(line -> line.contains("Migration finished after ")
                && line.contains(": 0 files copied, 300 already present, 300 rows updated"));
    }

    @Test
    void withoutExistenceCheckEveryObjectIsCopied() throws Exception {
        givenObjectAlreadyCopied();

        assertThat(migrate("migration.skip-existing", "false")).isEqualTo(ExitCode.DONE.code());

        assertThat(keys()).containsExactly("avatar/a.png", "avatar/b.png");
        assertThat(content(PRODUCTION_BUCKET, "avatar/a.png")).isEqualTo("legacy a");
    }

    @ParameterizedTest(name = "migration.s3.http-client={0}")
    @ValueSource(strings = {"crt", "apache"})
    void missingSourceObjectIsDeadLetteredAndTheOtherRowsMigrate(String httpClient) throws Exception {
        List<String> legacy = numberedKeys("image/", 20);
        insertRows(legacy, true);
        s3.deleteObject(b -> b.bucket(LEGACY_BUCKET).key("image/avatar-7.png"));

        assertThat(migrate("migration.s3.http-client", httpClient)).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());

        List<JsonNode> deadLetters = deadLetters();
        assertThat(deadLetters).hasSize(1);
        JsonNode deadLetter = deadLetters.get(0);
        assertThat(deadLetter.get("rowId").asLong()).isEqualTo(7);
        assertThat(deadLetter.get("sourceKey").asText()).isEqualTo("image/avatar-7.png");
        assertThat(deadLetter.get("targetKey").asText()).isEqualTo("avatar/avatar-7.png");
        assertThat(deadLetter.get("errorType").asText()).isEqualTo("NoSuchKey");
        assertThat(deadLetter.get("attempts").asInt()).isEqualTo(1);
        assertThat(keys()).filteredOn(key -> key.startsWith("image/")).containsExactly("image/avatar-7.png");
        assertThat(objectKeys(PRODUCTION_BUCKET)).containsAll(
                keys().stream().filter(key -> key.startsWith("avatar/")).toList());
    }

    @ParameterizedTest(name = "migration.s3.http-client={0}")
    @ValueSource(strings = {"crt", "apache"})
    void transientS3FailuresAreRetriedAndNothingIsDeadLettered(String httpClient) throws Exception {
        List<String> legacy = numberedKeys("image/", 150);
        insertRows(legacy, true);
        try (FaultInjectingProxy proxy = FaultInjectingProxy.slowDownsAndResets(connection().s3Endpoint(), 4, 11)) {
            int exitCode = migrate("migration.s3.endpoint", proxy.endpoint(), "migration.s3.http-client", httpClient,
                    "migration.retry.initial-delay-ms", "10", "migration.slowdown-pause-ms", "20");

            assertThat(exitCode).isEqualTo(ExitCode.DONE.code());
            assertThat(proxy.slowDownsAnswered()).isGreaterThan(10);
            assertThat(proxy.connectionsReset()).isGreaterThan(5);
        }
        assertEveryRowMigratedWithoutDeadLetters(150);
    }

    @Test
    void aRowWhoseUpdateKeepsFailingIsDeadLetteredAloneAndTheRestOfItsBatchMigrates() throws Exception {
        insertRows(numberedKeys("image/", 30), true);
        execute("CREATE FUNCTION refuse_row_15() RETURNS trigger AS $$ BEGIN"
                + " IF NEW.id = 15 THEN RAISE EXCEPTION 'row 15 is locked'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql");
        execute("CREATE TRIGGER refuse_row_15 BEFORE UPDATE ON avatars FOR EACH ROW EXECUTE FUNCTION refuse_row_15()");

        int firstRun = migrate("migration.batch-size", "10", "migration.retry.max-redeliveries", "1",
                "migration.retry.initial-delay-ms", "10");

        assertThat(firstRun).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());
        assertThat(deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.get("rowId").asLong()).isEqualTo(15);
            assertThat(letter.get("errorMessage").asText()).contains("row 15 is locked");
        });
        assertThat(keys()).filteredOn(key -> key.startsWith("image/")).containsExactly("image/avatar-15.png");

        execute("DROP TRIGGER refuse_row_15 ON avatars");
        assertThat(migrate("migration.batch-size", "10")).isEqualTo(ExitCode.DONE.code());

        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
        assertThat(objectKeys(PRODUCTION_BUCKET)).containsAll(keys());
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void aTargetKeyTooLongForItsColumnIsDeadLetteredAtOnceAndTheOtherRowsMigrate() throws Exception {
        // The target prefix is one character longer than the source prefix: row 15's new key does not fit.
        List<String> keys = new ArrayList<>(IntStream.rangeClosed(1, 30).mapToObj(i -> "image/a-" + i + ".png").toList());
        keys.set(14, "image/longkey-15.png");
        insertRows(keys, true);
        execute("ALTER TABLE avatars ALTER COLUMN path TYPE varchar(20)");

        long start = System.nanoTime();
        assertThat(migrate("migration.batch-size", "10")).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());

        // Permanent (SQLState 22001): not retried for the 120 s a transient failure is.
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(60));
        assertThat(deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.get("rowId").asLong()).isEqualTo(15);
            assertThat(letter.get("errorMessage").asText()).contains("value too long");
        });
        assertThat(keys()).filteredOn(key -> key.startsWith("image/")).containsExactly("image/longkey-15.png");
        assertThat(keys()).filteredOn(key -> key.startsWith("avatar/")).hasSize(29);
    }

    @Test
    void oddKeysMigrate() throws Exception {
        List<String> odd = List.of("image/with space.png", "image/plus+sign.png", "image/percent%20sign.png",
                "image/ünïcødé-日本語.png", "image/question?.png", "image/hash#.png", "image/" + "x".repeat(994));
        assertThat(odd.get(6).getBytes(StandardCharsets.UTF_8)).hasSize(1_000);
        insertRows(odd, true);

        assertThat(migrate()).isEqualTo(ExitCode.DONE.code());

        List<String> expected = odd.stream().map(key -> "avatar/" + key.substring("image/".length())).toList();
        assertThat(keys()).containsExactlyElementsOf(expected);
        assertThat(objectKeys(PRODUCTION_BUCKET)).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void keyThatIsThePrefixAloneIsDeadLettered() throws Exception {
        insertRows(List.of("image/a.png", "image/"), false);
        insertObject(LEGACY_BUCKET, "image/a.png", "a");

        assertThat(migrate()).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());

        assertThat(keys()).containsExactly("avatar/a.png", "image/");
        assertThat(deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.get("rowId").asLong()).isEqualTo(2);
            assertThat(letter.get("errorType").asText()).isEqualTo("InvalidRowException");
        });
    }

    @Test
    void invalidTableNameIsRefusedBeforeAnyWrite() throws Exception {
        insertRows(numberedKeys("image/", 5), true);

        assertThat(migrate("migration.table", "avatars; DROP TABLE avatars")).isEqualTo(ExitCode.CANNOT_RUN.code());

        assertThat(keys()).allMatch(key -> key.startsWith("image/"));
        assertThat(objectKeys(PRODUCTION_BUCKET)).isEmpty();
    }

    @Test
    void unknownTargetBucketIsRefusedBeforeAnyWrite() throws Exception {
        insertRows(numberedKeys("image/", 5), true);

        assertThat(migrate("migration.target.bucket", "no-such-bucket")).isEqualTo(ExitCode.CANNOT_RUN.code());

        assertThat(keys()).allMatch(key -> key.startsWith("image/"));
    }

    @Test
    void wrongS3CredentialsAreRefusedBeforeAnyWrite() throws Exception {
        insertRows(numberedKeys("image/", 5), true);

        assertThat(migrate("migration.s3.secret-key", "not-the-secret")).isEqualTo(ExitCode.CANNOT_RUN.code());

        assertThat(keys()).allMatch(key -> key.startsWith("image/"));
        assertThat(objectKeys(PRODUCTION_BUCKET)).isEmpty();
    }

    @Test
    void dryRunWritesNothing() throws Exception {
        insertRows(numberedKeys("image/", 30), true);
        List<String> before = keys();

        assertThat(migrate("migration.dry-run", "true")).isEqualTo(ExitCode.DONE.code());

        assertThat(keys()).isEqualTo(before);
        assertThat(objectKeys(PRODUCTION_BUCKET)).isEmpty();
        assertThat(logLines()).anyMatch(line -> line.endsWith(
                "Dry run: 30 legacy rows would be migrated; nothing was written"));
    }

    @Test
    void withoutTerminalOrAssumeYesTheJobRefusesBeforeAnyWrite() throws Exception {
        insertRows(numberedKeys("image/", 5), true);

        assertThat(migrate("migration.assume-yes", "false")).isEqualTo(ExitCode.CANNOT_RUN.code());

        assertThat(keys()).allMatch(key -> key.startsWith("image/"));
        assertThat(objectKeys(PRODUCTION_BUCKET)).isEmpty();
    }

    @Test
    void operatorConfirmsTwiceOnTheTerminal() throws Exception {
        insertRows(numberedKeys("image/", 20), true);

        Terminal session = migrateInTerminal("yes\nyes\n");

        assertThat(session.exitCode()).isEqualTo(ExitCode.DONE.code());
        assertThat(session.output()).contains("Are you sure you want to continue? (yes/no)",
                "Are you sure you want to perform the migration over this data status? (yes/no)", "Migration finished");
        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
    }

    @Test
    void operatorWhoAnswersNoGetsNothingWritten() throws Exception {
        insertRows(numberedKeys("image/", 20), true);

        Terminal session = migrateInTerminal("yes\nno\n");

        assertThat(session.exitCode()).isEqualTo(ExitCode.CANNOT_RUN.code());
        assertThat(session.output()).contains("Not confirmed");
        assertThat(keys()).allMatch(key -> key.startsWith("image/"));
        assertThat(objectKeys(PRODUCTION_BUCKET)).isEmpty();
    }

    @Test
    void targetThatCannotBeWrittenIsRefusedBeforeAnyWrite() throws Exception {
        insertRows(numberedKeys("image/", 5), true);

        try (FaultInjectingProxy readOnly = FaultInjectingProxy.readOnly(connection().s3Endpoint())) {
            assertThat(migrate("migration.s3.endpoint", readOnly.endpoint())).isEqualTo(ExitCode.CANNOT_RUN.code());
        }

        assertThat(logLines()).anyMatch(line -> line.contains("ERROR: Cannot write bucket sketch-production-s3"));
        assertThat(keys()).allMatch(key -> key.startsWith("image/"));
        assertThat(objectKeys(PRODUCTION_BUCKET)).isEmpty();
    }

    @Test
    void progressLinesAndTheLogFileAgreeWithTheDatabase() throws Exception {
        insertRows(numberedKeys("image/", 300), true);

        assertThat(migrate("migration.progress-interval-ms", "50", "migration.parallelism", "4",
                "migration.batch-size", "20", "migration.verbose", "true")).isEqualTo(ExitCode.DONE.code());

        List<String> log = logLines();
        assertThat(log).allMatch(line -> line.matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} .*"));
        List<String> progress = log.stream().filter(line -> line.contains(" Progress ")).toList();
        assertThat(progress).isNotEmpty();
        // Batches fill as copies complete and may be written part full: their count is the run's own.
        assertThat(progress.get(progress.size() - 1)).matches(".* Progress 100%, batches (\\d+)/\\1, files copied 300,"
                + " already present 0, rows updated 300, dead letters 0, .*");
        // Rows arrive a batch at a time, so many 50 ms intervals see none: the rate, over a window, stays above 0.
        assertThat(progress.stream().dropWhile(line -> line.contains("rows updated 0,")))
                .noneMatch(line -> line.contains("rate 0.0 rows/s"));
        assertThat(log).filteredOn(line -> line.contains(" * copied sketch-legacy-s3/image/")).hasSize(300);
        assertThat(log).filteredOn(line -> line.contains(" * updated row ")).hasSize(300);
        assertThat(keys()).filteredOn(key -> key.startsWith("avatar/")).hasSize(300);
    }

    @Test
    void replayMigratesADeadLetteredRowOnceItsCauseIsFixed() throws Exception {
        insertRows(numberedKeys("image/", 10), true);
        s3.deleteObject(b -> b.bucket(LEGACY_BUCKET).key("image/avatar-3.png"));
        assertThat(migrate()).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());

        assertThat(migrate("migration.mode", "replay")).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());
        assertThat(deadLetters()).singleElement().satisfies(letter -> assertThat(letter.get("attempts").asInt()).isEqualTo(2));

        insertObject(LEGACY_BUCKET, "image/avatar-3.png", "restored");
        assertThat(migrate("migration.mode", "replay")).isEqualTo(ExitCode.DONE.code());

        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
        assertThat(content(PRODUCTION_BUCKET, "avatar/avatar-3.png")).isEqualTo("restored");
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void verifyReportsARowWhoseObjectWasDeleted() throws Exception {
        insertRows(numberedKeys("image/", 20), true);
        assertThat(migrate()).isEqualTo(ExitCode.DONE.code());
        assertThat(migrate("migration.mode", "verify")).isEqualTo(ExitCode.DONE.code());

        s3.deleteObject(b -> b.bucket(PRODUCTION_BUCKET).key("avatar/avatar-12.png"));

        assertThat(migrate("migration.mode", "verify")).isEqualTo(ExitCode.PROBLEMS_FOUND.code());
        assertThat(logLines()).anyMatch(line -> line.endsWith(
                "* missing: row 12 points at sketch-production-s3/avatar/avatar-12.png"));
    }

    @Test
    void prepareBuildsTheRequestedDataset() throws Exception {
        // Left over from an earlier dataset: more than one listing page, all to be deleted.
        dataset().uploadObjects(IntStream.rangeClosed(1, 2_500).mapToObj(i -> "avatar/old-" + i + ".png").toList(), 5);

        assertThat(migrate("migration.mode", "prepare", "prepare.count", "500", "prepare.legacy-share", "0.3",
                "prepare.allow-destroy", "true")).isEqualTo(ExitCode.DONE.code());

        List<String> keys = keys();
        assertThat(keys).hasSize(500);
        long legacy = keys.stream().filter(key -> key.startsWith("image/")).count();
        assertThat(legacy).isBetween(100L, 200L);
        assertThat(objectKeys(LEGACY_BUCKET)).hasSize((int) legacy);
        assertThat(objectKeys(PRODUCTION_BUCKET)).hasSize(500 - (int) legacy);
        assertThat(logLines()).anyMatch(line -> line.contains("Created " + legacy + " legacy and " + (500 - legacy)
                + " production rows with their objects"));
    }

    @Test
    void prepareOutsideTheEmbeddedDefaultNeedsAllowDestroy() throws Exception {
        insertRows(numberedKeys("image/", 5), true);

        assertThat(migrate("migration.mode", "prepare", "prepare.count", "10")).isEqualTo(ExitCode.CANNOT_RUN.code());

        assertThat(keys()).hasSize(5);
        assertThat(objectKeys(LEGACY_BUCKET)).hasSize(5);
    }

    @Test
    void integrationCheckFindsNoProblem() throws Exception {
        assertThat(migrate("migration.mode", "check", "check.count", "400", "prepare.allow-destroy", "true",
                "migration.batch-size", "30", "migration.parallelism", "5")).isEqualTo(ExitCode.DONE.code());

        assertThat(logLines()).anyMatch(line -> line.endsWith("No problems detected!"));
        assertThat(keys()).hasSize(400).allMatch(key -> key.startsWith("avatar/"));
    }

    @Test
    void randomS3FaultsOnTenThousandRowsLoseNothing() throws Exception {
        insertRows(numberedKeys("image/", 10_000), true);

        try (FaultInjectingProxy proxy = FaultInjectingProxy.randomFaults(connection().s3Endpoint(), 5, 0.10, 0.02,
                0.01, 3_000)) {
            int exitCode = migrate("migration.s3.endpoint", proxy.endpoint(), "migration.s3.timeout-seconds", "1",
                    "migration.parallelism", "64", "migration.retry.initial-delay-ms", "20",
                    "migration.slowdown-pause-ms", "20");

            System.out.printf("Random S3 faults: %d SlowDown answers, %d connections reset, %d requests hung%n",
                    proxy.slowDownsAnswered(), proxy.connectionsReset(), proxy.requestsHung());
            assertThat(exitCode).isEqualTo(ExitCode.DONE.code());
            assertThat(proxy.slowDownsAnswered()).isGreaterThan(1_000);
            assertThat(proxy.connectionsReset()).isGreaterThan(200);
            assertThat(proxy.requestsHung()).isGreaterThan(100);
        }
        assertEveryRowMigratedWithoutDeadLetters(10_000);
    }

    @Test
    void requestRateLimitHoldsInEverySlidingSecondForEveryRequest() throws Exception {
        // One object request per row (a copy: the existence check, on by default, lists each page's keys instead),
        // and the pre-flight, the endpoints' own bucket checks and the status listings before and after: all count.
        insertRows(numberedKeys("image/", 250), true);

        List<Long> arrivals;
        try (FaultInjectingProxy counting = FaultInjectingProxy.tooManyRequestsAt(connection().s3Endpoint(), -1)) {
            assertThat(migrate("migration.s3.endpoint", counting.endpoint(), "migration.max-requests-per-second", "50",
                    "migration.parallelism", "16", "migration.skip-existing", "false")).isEqualTo(ExitCode.DONE.code());
            arrivals = counting.allRequestArrivals();
        }

        int busiestSecond = busiestSecond(arrivals);
        System.out.printf("Rate limit 50/s: %d requests, at most %d in any sliding second%n", arrivals.size(), busiestSecond);
        assertThat(arrivals).hasSizeGreaterThan(250 + 6);
        assertThat(busiestSecond).isBetween(40, 51);
    }

    /** The most requests that arrived within any one second. */
    private static int busiestSecond(List<Long> arrivals) {
        List<Long> sorted = arrivals.stream().sorted().toList();
        int busiest = 0;
        int first = 0;
        for (int last = 0; last < sorted.size(); last++) {
            while (sorted.get(last) - sorted.get(first) >= 1_000_000_000L) {
                first++;
            }
            busiest = Math.max(busiest, last - first + 1);
        }
        return busiest;
    }

    @Test
    void aSlowCopyHoldsOnlyItsOwnRow() throws Exception {
        insertRows(numberedKeys("image/", 600), true);
        List<String> held = List.of("/avatar-50.png", "/avatar-250.png", "/avatar-450.png");
        int holdMillis = 20_000;

        try (FaultInjectingProxy proxy = FaultInjectingProxy.holdFirstRequestContaining(connection().s3Endpoint(), held,
                holdMillis)) {
            ExecutorService job = Executors.newSingleThreadExecutor();
            // The attempt limit is longer than the hold: these copies wait for their answer.
            Future<Integer> run = job.submit(() -> migrate("migration.s3.endpoint", proxy.endpoint(),
                    "migration.s3.attempt-timeout-floor-ms", "60000", "migration.parallelism", "16"));

            await().atMost(Duration.ofSeconds(15)).until(() -> keys().stream().filter(key -> key.startsWith("image/"))
                    .count() == held.size());
            long heldFor = System.nanoTime() - proxy.lastFaultNanos();
            assertThat(keys()).filteredOn(key -> key.startsWith("image/"))
                    .containsExactlyInAnyOrder("image/avatar-50.png", "image/avatar-250.png", "image/avatar-450.png");
            assertThat(heldFor).as("every other row was updated while the three copies were held")
                    .isLessThan(TimeUnit.MILLISECONDS.toNanos(holdMillis));
            assertThat(run.get(1, TimeUnit.MINUTES)).isEqualTo(ExitCode.DONE.code());
            job.shutdown();
        }
        assertEveryRowMigratedWithoutDeadLetters(600);
    }

    @Test
    void aHungCopyIsCutOffAndRetriedLongBeforeTheRequestTimeout() throws Exception {
        insertRows(numberedKeys("image/", 300), true);

        long start = System.nanoTime();
        try (FaultInjectingProxy proxy = FaultInjectingProxy.holdFirstRequestContaining(connection().s3Endpoint(),
                List.of("/avatar-7.png", "/avatar-150.png"), 60_000)) {
            assertThat(migrate("migration.s3.endpoint", proxy.endpoint(), "migration.s3.attempt-timeout-floor-ms", "500"))
                    .isEqualTo(ExitCode.DONE.code());
        }

        // The requests hang for 60 s and the whole-request limit is 120 s.
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(40));
        assertEveryRowMigratedWithoutDeadLetters(300);
        assertThat(logLines()).anyMatch(line -> line.matches(".*S3 answered SlowDown or Too Many Requests 0 times.*; "
                + "([2-9]|\\d\\d+) S3 attempts far slower than usual were cut off and retried"));
    }

    @Test
    void statusListsOnlyThePrefixesAndStopsCountingPastTheLimit() throws Exception {
        insertRows(numberedKeys("image/", 300), true);
        // More objects outside the prefixes than one listing page holds.
        IntStream.rangeClosed(1, 1_200).parallel().forEach(i -> insertObject(LEGACY_BUCKET, "other/" + i, "x"));

        List<String> requests;
        try (FaultInjectingProxy counting = FaultInjectingProxy.tooManyRequestsAt(connection().s3Endpoint(), -1)) {
            for (String limit : List.of("1000000", "100", "0")) {
                assertThat(migrate("migration.s3.endpoint", counting.endpoint(), "migration.mode", "status",
                        "migration.status.max-listed-objects", limit)).isEqualTo(ExitCode.DONE.code());
            }
            requests = counting.requestLines();
        }

        assertThat(requests).filteredOn(line -> line.contains("list-type=2")).isNotEmpty()
                .allMatch(line -> line.contains("prefix=image%2F") || line.contains("prefix=avatar%2F"));
        assertThat(logLines())
                .anyMatch(line -> line.endsWith("* 300 objects in bucket sketch-legacy-s3 under image/"))
                .anyMatch(line -> line.endsWith("* 0 objects in bucket sketch-production-s3 under avatar/"))
                .anyMatch(line -> line.endsWith("* more than 100 objects in bucket sketch-legacy-s3 under image/"))
                .anyMatch(line -> line.endsWith("* objects in bucket sketch-legacy-s3 under image/ not counted"
                        + " (migration.status.max-listed-objects=0)"))
                .filteredOn(line -> line.endsWith("* 300 legacy entries in the database")).hasSize(3);
    }

    @Test
    void tooManyRequestsHoldsEveryThreadBackThenTheRunRecovers() throws Exception {
        insertRows(numberedKeys("image/", 200), true);

        try (FaultInjectingProxy proxy = FaultInjectingProxy.tooManyRequestsAt(connection().s3Endpoint(), 30)) {
            assertThat(migrate("migration.s3.endpoint", proxy.endpoint(), "migration.parallelism", "8",
                    "migration.slowdown-pause-ms", "1500")).isEqualTo(ExitCode.DONE.code());
            long fault = proxy.lastFaultNanos();
            // Requests already past the gate may still arrive just after the 429; none may start during the pause.
            long duringPause = proxy.objectRequestArrivals().stream()
                    .filter(arrival -> arrival > fault + 200_000_000L && arrival < fault + 1_400_000_000L).count();
            long afterPause = proxy.objectRequestArrivals().stream().filter(arrival -> arrival > fault + 1_400_000_000L)
                    .count();
            System.out.printf("429 pause: %d object requests during the pause, %d after it%n", duringPause, afterPause);
            assertThat(duringPause).isZero();
            assertThat(afterPause).isGreaterThan(50);
        }
        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void databaseOutageMidRunNeverLeavesARowPointingAtAMissingObject() throws Exception {
        insertRows(numberedKeys("image/", 3_000), true);
        AtomicBoolean running = new AtomicBoolean(true);
        List<String> violations = new CopyOnWriteArrayList<>();
        AtomicInteger checks = new AtomicInteger();
        Set<String> confirmed = new HashSet<>();
        Thread checker = new Thread(() -> {
            while (running.get()) {
                try {
                    // Rows first, then their objects: objects are only ever added, so an object missing now was
                    // missing when the row was read. Each row is confirmed once.
                    for (String key : keys()) {
                        if (key.startsWith("avatar/") && !confirmed.contains(key)) {
                            if (objectExists(PRODUCTION_BUCKET, key)) {
                                confirmed.add(key);
                            } else {
                                violations.add(key);
                            }
                        }
                    }
                    checks.incrementAndGet();
                } catch (SQLException e) {
                    // the database is down: nothing to check
                } catch (RuntimeException e) {
                    violations.add("the checker failed: " + e);
                    return;
                }
            }
        });
        checker.start();
        int exitCode;
        try (FaultInjectingProxy slow = FaultInjectingProxy.delayRequestsContaining(connection().s3Endpoint(), "/", 20)) {
            ExecutorService job = Executors.newSingleThreadExecutor();
            Future<Integer> run = job.submit(() -> migrate("migration.s3.endpoint", slow.endpoint(),
                    "migration.parallelism", "8", "migration.batch-size", "50"));
            await().atMost(Duration.ofMinutes(1)).until(() -> keys().stream().filter(key -> key.startsWith("avatar/")).count() > 200);
            takeDatabaseDown(Duration.ofSeconds(10));
            exitCode = run.get(5, TimeUnit.MINUTES);
            job.shutdown();
        }
        int reRun = exitCode == ExitCode.DONE.code() ? exitCode : migrate();
        running.set(false);
        checker.join();

        System.out.printf("Database outage: first run exited %d, re-run %s, %d consistency checks%n", exitCode,
                exitCode == ExitCode.DONE.code() ? "not needed" : "exited " + reRun, checks.get());
        assertThat(exitCode).isIn(ExitCode.DONE.code(), ExitCode.CANNOT_RUN.code());
        assertThat(reRun).isEqualTo(ExitCode.DONE.code());
        assertThat(violations).isEmpty();
        assertThat(checks.get()).isGreaterThan(10);
        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
        assertThat(objectKeys(PRODUCTION_BUCKET)).containsAll(keys());
    }

    @Test
    void ctrlCStopsHandingOutRowsFinishesTheBatchesInFlightAndExits130() throws Exception {
        insertRows(numberedKeys("image/", 3_000), true);
        Path output = logDir.resolve("console.txt");

        try (FaultInjectingProxy slow = FaultInjectingProxy.delayRequestsContaining(connection().s3Endpoint(), "/", 10)) {
            Process job = new ProcessBuilder(javaCommand(settings("migration.s3.endpoint", slow.endpoint(),
                    "migration.parallelism", "8", "migration.batch-size", "50")))
                    .redirectErrorStream(true).redirectOutput(output.toFile()).start();
            await().atMost(Duration.ofMinutes(1)).until(() -> keys().stream().filter(key -> key.startsWith("avatar/")).count() >= 100);
            new ProcessBuilder("kill", "-INT", Long.toString(job.pid())).start().waitFor();
            assertThat(job.waitFor(1, TimeUnit.MINUTES)).isTrue();
            assertThat(job.exitValue()).isEqualTo(ExitCode.INTERRUPTED.code());
        }

        List<String> console = Files.readAllLines(output);
        assertThat(console).contains("Stopping: no more rows are handed out; finishing the rows in flight");
        List<String> production = keys().stream().filter(key -> key.startsWith("avatar/")).toList();
        assertThat(production).hasSizeLessThan(3_000);
        assertThat(objectKeys(PRODUCTION_BUCKET)).containsAll(production);
        assertThat(console).anyMatch(line -> line.startsWith("Migration stopped after")
                && line.contains(" " + production.size() + " rows updated"));
        assertThat(migrate()).isEqualTo(ExitCode.DONE.code());
        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
    }

    @Test
    void killedFiveTimesThenReRunCompletesTheJob() throws Exception {
        List<String> legacy = numberedKeys("image/", 3_000);
        insertRows(legacy, true);
        Random random = new Random(9);
        List<Long> migratedAtEachKill = new ArrayList<>();
        try (FaultInjectingProxy slow = FaultInjectingProxy.delayRequestsContaining(connection().s3Endpoint(), "/", 10)) {
            for (int kill = 0; kill < 5; kill++) {
                Process job = new ProcessBuilder(javaCommand(settings("migration.s3.endpoint", slow.endpoint(),
                        "migration.parallelism", "8", "migration.batch-size", "50")))
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                Thread.sleep(3_000 + random.nextInt(5_000));
                job.destroyForcibly().waitFor();
                migratedAtEachKill.add(keys().stream().filter(key -> key.startsWith("avatar/")).count());
            }
        }
        System.out.println("kill -9: rows migrated when each kill struck: " + migratedAtEachKill);

        assertThat(migrate()).isEqualTo(ExitCode.DONE.code());

        List<String> expected = legacy.stream().map(key -> "avatar/" + key.substring("image/".length())).toList();
        assertThat(keys()).containsExactlyElementsOf(expected);
        assertThat(objectKeys(PRODUCTION_BUCKET)).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void permanentFailuresAreDeadLetteredWithTheirReasonAndReplayedOnceFixed() throws Exception {
        List<String> keys = new ArrayList<>(numberedKeys("image/", 20));
        keys.addAll(List.of("image/secret/a.png", "image/secret/b.png"));
        insertRows(keys, true);
        s3.deleteObject(b -> b.bucket(LEGACY_BUCKET).key("image/avatar-4.png"));
        s3.deleteObject(b -> b.bucket(LEGACY_BUCKET).key("image/avatar-9.png"));

        try (FaultInjectingProxy denied = FaultInjectingProxy.denyKeysContaining(connection().s3Endpoint(), "/secret/")) {
            assertThat(migrate("migration.s3.endpoint", denied.endpoint())).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());
        }

        assertThat(deadLetters()).extracting(letter -> letter.get("sourceKey").asText() + " " + letter.get("errorType").asText())
                .containsExactlyInAnyOrder("image/avatar-4.png NoSuchKey", "image/avatar-9.png NoSuchKey",
                        "image/secret/a.png AccessDenied", "image/secret/b.png AccessDenied");
        assertThat(deadLetters()).allMatch(letter -> letter.get("errorMessage").asText().length() > 10);
        assertThat(keys()).filteredOn(key -> key.startsWith("image/")).hasSize(4);
        assertThat(migrate("migration.mode", "dead-letters", "migration.verbose", "true"))
                .isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());
        assertThat(migrate("migration.mode", "status")).isEqualTo(ExitCode.DONE.code());
        assertThat(logLines())
                .anyMatch(line -> line.contains("* 2 x NoSuchKey, for example image/avatar-"))
                .anyMatch(line -> line.contains("* 2 x AccessDenied, for example image/secret/"))
                .anyMatch(line -> line.contains("* row 4 (image/avatar-4.png): NoSuchKey: ") && line.contains("(attempts 1, run "))
                .anyMatch(line -> line.endsWith("* 4 legacy entries in the database"));

        insertObject(LEGACY_BUCKET, "image/avatar-4.png", "restored 4");
        insertObject(LEGACY_BUCKET, "image/avatar-9.png", "restored 9");
        assertThat(migrate("migration.mode", "replay")).isEqualTo(ExitCode.DONE.code());

        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void badRowsAreDeadLetteredOrLeftAloneAndTheOthersMigrate() throws Exception {
        String longest = "image/" + "k/".repeat(508) + "zz";
        assertThat(longest.getBytes(StandardCharsets.UTF_8)).hasSize(1_024);
        List<String> keys = List.of("image/", "", "image/a b.png", "image/plus+.png", "image/pct%41.png",
                "image/q?.png", "image/h#.png", "image/ü日本.png", longest);
        insertRows(keys, false);
        execute("INSERT INTO avatars (path) VALUES (NULL)");
        for (String key : keys.subList(2, 9)) {
            insertObject(LEGACY_BUCKET, key, key);
        }

        assertThat(migrate()).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());

        assertThat(deadLetters()).extracting(letter -> letter.get("rowId").asLong() + " " + letter.get("errorType").asText())
                .containsExactlyInAnyOrder("1 InvalidRowException", "9 InvalidRowException");
        assertThat(keys()).containsExactly("image/", "", "avatar/a b.png", "avatar/plus+.png", "avatar/pct%41.png",
                "avatar/q?.png", "avatar/h#.png", "avatar/ü日本.png", longest, null);
        assertThat(content(PRODUCTION_BUCKET, "avatar/q?.png")).isEqualTo("image/q?.png");
    }

    @Test
    void rowChangedByAnotherWriterWhileItsObjectIsCopiedIsLeftAlone() throws Exception {
        insertRows(numberedKeys("image/", 10), true);

        try (FaultInjectingProxy slow = FaultInjectingProxy.delayRequestsContaining(connection().s3Endpoint(),
                "avatar-5.png", 4_000)) {
            ExecutorService job = Executors.newSingleThreadExecutor();
            Future<Integer> run = job.submit(() -> migrate("migration.s3.endpoint", slow.endpoint()));
            await().atMost(Duration.ofSeconds(30)).until(() -> objectKeys(PRODUCTION_BUCKET).contains("avatar/avatar-4.png"));
            execute("UPDATE avatars SET path = 'image/changed-by-someone.png' WHERE id = 5");
            // The changed row is still legacy: the job cannot say it is done.
            assertThat(run.get(1, TimeUnit.MINUTES)).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());
            job.shutdown();
        }

        assertThat(keys().get(4)).isEqualTo("image/changed-by-someone.png");
        assertThat(keys()).filteredOn(key -> key.startsWith("avatar/")).hasSize(9);
        // Batches fill in the order copies complete, so the changed row's batch holds whichever rows completed with it.
        assertThat(logLines()).anyMatch(line -> line.matches(".*WARNING: 1 of \\d+ rows changed in the database while"
                + " their objects were copied; left as they are: ids \\[5]"))
                .anyMatch(line -> line.endsWith("WARNING: 1 legacy rows are left: 0 dead-lettered, 1 changed by another"
                        + " writer while their objects were copied (ids in the warnings above), 0 appeared or became"
                        + " legacy during the run; run the job again to migrate them"));
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "migration.table|no_such_table|Table no_such_table (migration.table) does not exist",
        "migration.key-column|no_such_column|Column no_such_column (migration.key-column) does not exist in table avatars",
        "migration.id-column|id; DROP TABLE avatars|migration.id-column is not a plain SQL identifier",
        "migration.s3.secret-key|not-the-secret|Cannot read bucket sketch-legacy-s3 (migration.source.bucket)",
        "migration.target.bucket|no-such-bucket|Bucket no-such-bucket (migration.target.bucket) does not exist",
        "migration.s3.endpoint|http://127.0.0.1:9|Cannot reach the S3 service",
        "migration.db.url|jdbc:postgresql://127.0.0.1:9/postgres|Cannot connect to the database jdbc:postgresql://127.0.0.1:9/postgres",
        "migration.batch-size|0|migration.batch-size must be between 1 and 10000, not 0",
        "migration.batch-size|-5|migration.batch-size must be between 1 and 10000, not -5",
        "migration.parallelism|0|migration.parallelism must be between 1 and 4096, not 0",
        "migration.s3.http-client|netty|migration.s3.http-client must be one of [crt, apache], not 'netty'",
        "migration.paralelism|64|Unknown setting migration.paralelism (did you mean migration.parallelism?)",
        "prepare.cuont|10|Unknown setting prepare.cuont (did you mean prepare.count?)"})
    void badConfigurationIsOneLineAndExitOneWithNothingWritten(String key, String value, String message) throws Exception {
        insertRows(numberedKeys("image/", 5), true);

        try (ConsoleCapture console = new ConsoleCapture()) {
            assertThat(migrate(key, value)).isEqualTo(ExitCode.CANNOT_RUN.code());
            assertThat(console.lines()).filteredOn(line -> line.startsWith("ERROR: ")).singleElement()
                    .satisfies(line -> assertThat(line).contains(message));
        }
        assertThat(keys()).allMatch(row -> row.startsWith("image/"));
        assertThat(objectKeys(PRODUCTION_BUCKET)).isEmpty();
    }

    @Test
    void secretsAppearInNoLogLineDeadLetterOrError() throws Exception {
        String dbPassword = connection().dbPassword().isEmpty() ? "db-secret-5e2c9a" : connection().dbPassword();
        String wrongSecret = "wrong-secret-9f1e2d";
        insertRows(numberedKeys("image/", 30), true);
        s3.deleteObject(b -> b.bucket(LEGACY_BUCKET).key("image/avatar-3.png"));

        List<String> output;
        try (ConsoleCapture console = new ConsoleCapture()) {
            assertThat(migrate("migration.db.password", dbPassword, "migration.verbose", "true"))
                    .isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());
            assertThat(migrate("migration.db.password", dbPassword, "migration.s3.secret-key", wrongSecret))
                    .isEqualTo(ExitCode.CANNOT_RUN.code());
            output = console.lines();
        }

        List<String> everything = new ArrayList<>(output);
        everything.addAll(logLines());
        deadLetters().forEach(letter -> everything.add(letter.toString()));
        assertThat(everything).hasSizeGreaterThan(50);
        for (String secret : List.of(dbPassword, connection().s3SecretKey(), wrongSecret)) {
            assertThat(everything).noneMatch(line -> line.contains(secret));
        }
    }

    @Test
    void withoutTheUpdatePrivilegeTheJobIsRefusedBeforeAnyWrite() throws Exception {
        insertRows(numberedKeys("image/", 5), true);
        execute("DROP ROLE IF EXISTS reader");
        execute("CREATE ROLE reader LOGIN PASSWORD 'reader-password-1'");
        execute("GRANT SELECT ON avatars TO reader");

        // The test servers' URL names its user: this run's is given apart.
        String url = connection().dbUrl().replaceFirst("\\?.*", "");
        try (ConsoleCapture console = new ConsoleCapture()) {
            assertThat(migrate("migration.db.url", url, "migration.db.user", "reader", "migration.db.password",
                    "reader-password-1"))
                    .isEqualTo(ExitCode.CANNOT_RUN.code());
            assertThat(console.lines()).filteredOn(line -> line.startsWith("ERROR: ")).singleElement()
                    .satisfies(line -> assertThat(line).contains("may not UPDATE column path of table avatars"));
        }
        assertThat(keys()).allMatch(key -> key.startsWith("image/"));
        assertThat(objectKeys(PRODUCTION_BUCKET)).isEmpty();
    }

    @Test
    void aRowLockedByTheApplicationIsDeadLetteredNamingTheLockAndTheOthersMigrate() throws Exception {
        insertRows(numberedKeys("image/", 20), true);

        try (Connection holder = db.getConnection(); Statement lock = holder.createStatement()) {
            holder.setAutoCommit(false);
            lock.execute("SELECT * FROM avatars WHERE id = 7 FOR UPDATE");
            long start = System.nanoTime();
            assertThat(migrate("migration.db.lock-timeout-ms", "300", "migration.retry.max-total-seconds", "2",
                    "migration.retry.initial-delay-ms", "50")).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());
            // The lock is held for as long as the test runs: the run ends by itself all the same.
            assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(60));
            holder.rollback();
        }

        assertThat(deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.get("rowId").asLong()).isEqualTo(7);
            assertThat(letter.get("errorMessage").asText()).contains("lock timeout");
        });
        assertThat(keys()).filteredOn(key -> key.startsWith("image/")).containsExactly("image/avatar-7.png");
    }

    @Test
    void aColumnRenamedMidRunEndsTheRunWithOneLineAndExitTwo() throws Exception {
        insertRows(numberedKeys("image/", 600), true);

        try (FaultInjectingProxy slow = FaultInjectingProxy.delayRequestsContaining(connection().s3Endpoint(), "/", 20)) {
            ExecutorService job = Executors.newSingleThreadExecutor();
            Future<Integer> run = job.submit(() -> migrate("migration.s3.endpoint", slow.endpoint(),
                    "migration.parallelism", "4", "migration.batch-size", "20"));
            await().atMost(Duration.ofMinutes(1)).until(() -> keys().stream()
                    .filter(key -> key.startsWith("avatar/")).count() >= 40);
            execute("ALTER TABLE avatars RENAME COLUMN path TO renamed_path");
            assertThat(run.get(2, TimeUnit.MINUTES)).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());
            job.shutdown();
        }

        assertThat(logLines()).filteredOn(line -> line.contains("ERROR: polling the legacy rows failed")).singleElement()
                .satisfies(line -> assertThat(line).contains("column \"path\" does not exist"));
        execute("ALTER TABLE avatars RENAME COLUMN renamed_path TO path");
        assertThat(objectKeys(PRODUCTION_BUCKET))
                .containsAll(keys().stream().filter(key -> key.startsWith("avatar/")).toList());
    }

    @Test
    void anIdColumnNamedWithAReservedWordMigrates() throws Exception {
        insertRows(numberedKeys("image/", 30), true);
        execute("ALTER TABLE avatars RENAME COLUMN id TO \"order\"");
        try {
            assertThat(migrate("migration.id-column", "order")).isEqualTo(ExitCode.DONE.code());
        } finally {
            execute("ALTER TABLE avatars RENAME COLUMN \"order\" TO id");
        }
        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
    }

    @Test
    void anIdColumnThatIsNotUniqueIsRefused() throws Exception {
        insertRows(numberedKeys("image/", 5), true);
        execute("ALTER TABLE avatars DROP CONSTRAINT avatars_pkey");

        try (ConsoleCapture console = new ConsoleCapture()) {
            assertThat(migrate()).isEqualTo(ExitCode.CANNOT_RUN.code());
            assertThat(console.lines()).filteredOn(line -> line.startsWith("ERROR: ")).singleElement()
                    .satisfies(line -> assertThat(line).contains("must be NOT NULL with a unique index"));
        }
        assertThat(keys()).allMatch(key -> key.startsWith("image/"));
    }

    @Test
    void aListingThatFailsOnceIsRetriedByStatusAndVerify() throws Exception {
        insertRows(numberedKeys("avatar/", 2_500), true);

        for (String mode : List.of("status", "verify")) {
            try (FaultInjectingProxy proxy = FaultInjectingProxy.slowDownAtListing(connection().s3Endpoint(), 3)) {
                assertThat(migrate("migration.s3.endpoint", proxy.endpoint(), "migration.mode", mode))
                        .isEqualTo(ExitCode.DONE.code());
                assertThat(proxy.slowDownsAnswered()).isEqualTo(1);
            }
        }
        assertThat(logLines())
                .anyMatch(line -> line.endsWith("* 2500 objects in bucket sketch-production-s3 under avatar/"))
                .anyMatch(line -> line.endsWith("2500 production rows checked against bucket sketch-production-s3: 0"
                        + " point at a missing object"));
    }

    @Test
    void aStaleDeadLetterIsReportedAndReplayRemovesIt() throws Exception {
        insertRows(numberedKeys("image/", 10), true);
        s3.deleteObject(b -> b.bucket(LEGACY_BUCKET).key("image/avatar-3.png"));
        assertThat(migrate()).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());
        // Fixed by hand: the row no longer needs its letter.
        execute("UPDATE avatars SET path = 'avatar/fixed-by-hand.png' WHERE id = 3");

        assertThat(migrate("migration.mode", "dead-letters")).isEqualTo(ExitCode.DONE.code());
        assertThat(deadLetters()).hasSize(1);
        assertThat(migrate("migration.mode", "replay")).isEqualTo(ExitCode.DONE.code());

        assertThat(deadLetters()).isEmpty();
        assertThat(logLines())
                .anyMatch(line -> line.endsWith("1 stale dead letters: their rows are no longer legacy (a replay"
                        + " removes them)"))
                .anyMatch(line -> line.endsWith("Removed 1 stale dead letters: their rows are no longer legacy"));
    }

    @Test
    void anUnwritableDeadLetterDirectoryStopsTheJobBeforeItMigrates() throws Exception {
        insertRows(numberedKeys("image/", 5), true);
        Path notADirectory = Files.writeString(logDir.resolve("not-a-directory"), "x");

        try (ConsoleCapture console = new ConsoleCapture()) {
            assertThat(migrate("migration.dead-letter-dir", notADirectory.toString()))
                    .isEqualTo(ExitCode.CANNOT_RUN.code());
            assertThat(console.lines()).filteredOn(line -> line.startsWith("ERROR: ")).singleElement()
                    .satisfies(line -> assertThat(line).contains("Cannot write dead letters under"));
        }
        assertThat(keys()).allMatch(key -> key.startsWith("image/"));
        assertThat(objectKeys(PRODUCTION_BUCKET)).isEmpty();
    }

    @Test
    void replayPagesThroughTwoHundredThousandDeadLettersInASmallHeap() throws Exception {
        // 200,000 letters: 1,000 of their rows still legacy, the others migrated since (their letters are stale).
        int letters = 200_000;
        List<String> keys = IntStream.rangeClosed(1, letters).mapToObj(i -> (i % 200 == 0 ? "image/" : "avatar/")
                + "avatar-" + i + ".png").toList();
        dataset().insertRows(keys);
        dataset().uploadObjects(keys.stream().filter(key -> key.startsWith("image/")).toList(), 3);
        Path directory = Files.createDirectories(deadLetterDir.resolve("avatars/path/image%2F"));
        for (int id = 1; id <= letters; id++) {
            Files.writeString(directory.resolve(id + ".json"), "{\"rowId\":" + id + ",\"attempts\":1}");
        }

        Path output = logDir.resolve("replay.txt");
        Process job = new ProcessBuilder(JavaCommand.of(Stream.concat(JavaCommand.projectJvmOptions().stream(),
                Stream.of("-Xmx256m")).toList(), settings("migration.mode", "replay"),
                MigrationApplication.class.getName())).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        assertThat(job.waitFor(5, TimeUnit.MINUTES)).isTrue();

        assertThat(job.exitValue()).as(String.join("\n", Files.readAllLines(output))).isEqualTo(ExitCode.DONE.code());
        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
        try (Stream<Path> left = Files.list(directory)) {
            assertThat(left).isEmpty();
        }
        assertThat(Files.readAllLines(output)).contains("Removed 199000 stale dead letters: their rows are no longer legacy");
    }

    @Test
    void sigtermToASlowRunStopsWithinTheStopTimeoutWithItsSummary() throws Exception {
        insertRows(numberedKeys("image/", 2_000), true);
        Path output = logDir.resolve("console.txt");

        long stopNanos;
        try (FaultInjectingProxy slow = FaultInjectingProxy.delayRequestsContaining(connection().s3Endpoint(), "/", 2_000)) {
            Process job = new ProcessBuilder(javaCommand(settings("migration.s3.endpoint", slow.endpoint(),
                    "migration.parallelism", "8", "migration.stop-timeout-seconds", "8")))
                    .redirectErrorStream(true).redirectOutput(output.toFile()).start();
            await().atMost(Duration.ofMinutes(1)).until(() -> keys().stream()
                    .filter(key -> key.startsWith("avatar/")).count() >= 8);
            long signalled = System.nanoTime();
            new ProcessBuilder("kill", "-TERM", Long.toString(job.pid())).start().waitFor();
            assertThat(job.waitFor(1, TimeUnit.MINUTES)).isTrue();
            stopNanos = System.nanoTime() - signalled;
            assertThat(job.exitValue()).isEqualTo(143);
        }

        System.out.printf("SIGTERM: stopped in %.1f s (stop timeout 8 s)%n", stopNanos / 1e9);
        // Within the stop timeout, give or take the JVM's own exit.
        assertThat(stopNanos).isLessThan(TimeUnit.SECONDS.toNanos(11));
        List<String> console = Files.readAllLines(output);
        assertThat(console).anyMatch(line -> line.startsWith("Migration stopped after"))
                .anyMatch(line -> line.endsWith("legacy entries in the database"))
                .anyMatch(line -> line.endsWith("not counted (stopping: rows only)"));
        List<String> production = keys().stream().filter(key -> key.startsWith("avatar/")).toList();
        assertThat(objectKeys(PRODUCTION_BUCKET)).containsAll(production);
    }

    @Test
    void secretsInOddPlacesAppearInNoLineAtAnyLevel() throws Exception {
        String urlPassword = "url-secret-7c4d21";
        String userInfoPassword = "userinfo-secret-3b9e";
        String oddSecret = " odd {{secret}} 5a1 ";
        insertRows(numberedKeys("image/", 5), true);
        Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        Level level = root.getLevel();

        List<String> output;
        try (ConsoleCapture console = new ConsoleCapture()) {
            root.setLevel(Level.DEBUG);
            // The driver cannot parse this URL, and says so through java.util.logging.
            assertThat(migrate("migration.db.url", "jdbc:postgresql://127.0.0.1:notaport/db?password=" + urlPassword))
                    .isEqualTo(ExitCode.CANNOT_RUN.code());
            assertThat(migrate("migration.db.url", "jdbc:postgresql://someone:" + userInfoPassword + "@127.0.0.1:9/db"))
                    .isEqualTo(ExitCode.CANNOT_RUN.code());
            assertThat(migrate("migration.s3.secret-key", oddSecret)).isEqualTo(ExitCode.CANNOT_RUN.code());
            output = console.lines();
        } finally {
            root.setLevel(level);
        }

        List<String> everything = new ArrayList<>(output);
        everything.addAll(logLines());
        assertThat(everything).hasSizeGreaterThan(100);
        for (String secret : List.of(urlPassword, userInfoPassword, oddSecret.strip(), connection().s3SecretKey())) {
            assertThat(everything).noneMatch(line -> line.contains(secret));
        }
    }

    @Test
    void twoRunsStartedTogetherMigrateOnceAndTheSecondIsRefusedWithNothingWritten() throws Exception {
        insertRows(numberedKeys("image/", 500), true);

        List<Integer> exits = new ArrayList<>();
        List<List<String>> consoles = new ArrayList<>();
        List<String> requests;
        try (FaultInjectingProxy slow = FaultInjectingProxy.delayRequestsContaining(connection().s3Endpoint(), "/", 10)) {
            Map<String, String> job = settings("migration.s3.endpoint", slow.endpoint(), "migration.parallelism", "4");
            List<Process> runs = List.of(startJob("first.txt", job), startJob("second.txt", job));
            for (int i = 0; i < runs.size(); i++) {
                assertThat(runs.get(i).waitFor(2, TimeUnit.MINUTES)).isTrue();
                exits.add(runs.get(i).exitValue());
                consoles.add(Files.readAllLines(logDir.resolve(i == 0 ? "first.txt" : "second.txt")));
            }
            requests = slow.requestLines();
        }

        assertThat(exits).containsExactlyInAnyOrder(ExitCode.DONE.code(), ExitCode.LOCKED.code());
        List<String> winner = consoles.get(exits.indexOf(ExitCode.DONE.code()));
        List<String> refused = consoles.get(exits.indexOf(ExitCode.LOCKED.code()));
        String runId = winner.stream().filter(line -> line.startsWith("Migrating legacy data (run ")).findFirst()
                .orElseThrow().replaceAll(".*\\(run ([^,]+),.*", "$1");
        assertThat(refused).filteredOn(line -> line.startsWith("ERROR: ")).singleElement()
                .satisfies(line -> assertThat(line).contains("Another run of this migration is in progress",
                        "s3-row-migration run " + runId + " on "));
        assertThat(refused).noneMatch(line -> line.startsWith("Checking S3 write permissions"));
        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
        // Every object copied once: the second run wrote nothing.
        assertThat(requests).filteredOn(line -> line.startsWith("PUT /sketch-production-s3/avatar/avatar-")).hasSize(500);
    }

    @Test
    void theRunLockIsTakenAgainAfterADatabaseRestart() throws Exception {
        insertRows(numberedKeys("image/", 1_500), true);

        try (FaultInjectingProxy slow = FaultInjectingProxy.delayRequestsContaining(connection().s3Endpoint(), "/", 20)) {
            Map<String, String> job = settings("migration.s3.endpoint", slow.endpoint(), "migration.parallelism", "4");
            Process first = startJob("first.txt", job);
            await().atMost(Duration.ofMinutes(1)).until(() -> keys().stream()
                    .filter(key -> key.startsWith("avatar/")).count() >= 100);
            takeDatabaseDown(Duration.ofSeconds(2));
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.readAllLines(logDir.resolve("first.txt"))
                    .contains("The database came back: the run lock is held again"));
            Process second = startJob("second.txt", job);
            assertThat(second.waitFor(1, TimeUnit.MINUTES)).isTrue();
            assertThat(second.exitValue()).isEqualTo(ExitCode.LOCKED.code());
            assertThat(first.waitFor(3, TimeUnit.MINUTES)).isTrue();
            assertThat(first.exitValue()).isEqualTo(ExitCode.DONE.code());
        }
        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
    }

    @Test
    void metricsAreServedWhileTheRunGoesAndEndAtTheSummarysCounts() throws Exception {
        insertRows(numberedKeys("image/", 1_000), true);
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        HttpClient http = HttpClient.newHttpClient();
        List<String> scrapes = new ArrayList<>();
        boolean healthy = false;

        Process job;
        try (FaultInjectingProxy slow = FaultInjectingProxy.delayRequestsContaining(connection().s3Endpoint(), "/", 10)) {
            job = startJob("console.txt", settings("migration.s3.endpoint", slow.endpoint(), "migration.parallelism",
                    "4", "migration.metrics-port", Integer.toString(port), "migration.metrics-linger-seconds", "3"));
            while (job.isAlive()) {
                try {
                    scrapes.add(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/observe/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body());
                    healthy |= http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/observe/health")).build(), HttpResponse.BodyHandlers.ofString()).body().contains("UP");
                } catch (IOException notServingYetOrAnymore) {
                    // before the routes start, after the job ends
                }
                Thread.sleep(200);
            }
        }

        assertThat(job.exitValue()).isEqualTo(ExitCode.DONE.code());
        assertThat(healthy).isTrue();
        assertThat(scrapes).anyMatch(scrape -> {
            double updated = meter(scrape, "migration_rows_updated_total");
            return updated > 0 && updated < 1_000;
        });
        String last = scrapes.get(scrapes.size() - 1);
        assertThat(Files.readAllLines(logDir.resolve("console.txt"))).anyMatch(line -> line.startsWith(
                "Migration finished after") && line.contains(": 1000 files copied, 0 already present, 1000 rows updated,"
                + " 0 rows changed meanwhile, 0 dead letters"));
        assertThat(meter(last, "migration_rows_updated_total")).isEqualTo(1_000);
        assertThat(meter(last, "migration_objects_copied_total")).isEqualTo(1_000);
        assertThat(meter(last, "migration_objects_already_present_total")).isZero();
        assertThat(meter(last, "migration_dead_letters_total")).isZero();
        assertThat(meter(last, "migration_slowdowns_total")).isZero();
        assertThat(meter(last, "migration_legacy_rows_left")).isZero();
    }

    /** A meter's value in Prometheus text; NaN when absent. */
    private static double meter(String scrape, String name) {
        return scrape.lines().filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).findFirst()
                .orElse(Double.NaN);
    }

    @Test
    void forALogCollectorTheConsoleIsJsonAndNoLogFileIsWritten() throws Exception {
        insertRows(numberedKeys("image/", 20), true);

        Process job = startJob("console.txt", settings("migration.log-format", "json", "migration.log-dir", ""));
        assertThat(job.waitFor(2, TimeUnit.MINUTES)).isTrue();

        assertThat(job.exitValue()).as(Files.readString(logDir.resolve("console.txt"))).isEqualTo(ExitCode.DONE.code());
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(logDir.resolve("console.txt"))) {
            if (!line.isBlank()) {
                lines.add(json.readTree(line));
            }
        }
        assertThat(lines).extracting(line -> line.get("formattedMessage").asText())
                .contains("* 0 legacy entries in the database");
        try (Stream<Path> files = Files.list(logDir)) {
            assertThat(files).noneMatch(file -> file.getFileName().toString().startsWith("migration-"));
        }
    }

    /** The job in a JVM of its own, its console in a file under the log directory. */
    private Process startJob(String consoleFile, Map<String, String> properties) throws IOException {
        return new ProcessBuilder(javaCommand(properties)).redirectErrorStream(true)
                .redirectOutput(logDir.resolve(consoleFile).toFile()).start();
    }

    /** Every row points at production, its object is there, and no row went to dead letters. */
    void assertEveryRowMigratedWithoutDeadLetters(int rows) throws Exception {
        assertThat(deadLetters()).isEmpty();
        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
        assertThat(objectKeys(PRODUCTION_BUCKET)).hasSize(rows);
    }

    /** Runs the job as an operator would, against this scenario's servers; returns its exit code. */
    int migrate(String... keyValues) {
        return MigrationApplication.run(settings(keyValues));
    }

    record Terminal(int exitCode, String output) {
    }

    /** The command line that runs the job in a JVM of its own, as an operator would, with these properties. */
    static List<String> javaCommand(Map<String, String> properties) {
        return JavaCommand.of(JavaCommand.projectJvmOptions(), properties, MigrationApplication.class.getName());
    }

    /** Runs the job in its own JVM on a pseudo-terminal (util-linux script), typing the answers. */
    Terminal migrateInTerminal(String answers) throws Exception {
        String shellCommand = javaCommand(settings("migration.assume-yes", "false")).stream().map(arg -> "'" + arg.replace("'", "'\\''") + "'")
                .collect(Collectors.joining(" "));
        Process process = new ProcessBuilder("script", "-q", "-e", "-c", shellCommand, "/dev/null")
                .redirectErrorStream(true).start();
        process.getOutputStream().write(answers.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        return new Terminal(process.exitValue(), output);
    }

    /** The properties that point the job at this scenario's servers, then the given ones. */
    Map<String, String> settings(String... keyValues) {
        ConnectionSettings connection = connection();
        Map<String, String> overrides = new HashMap<>(Map.of(
                "migration.embedded", "false",
                "migration.db.url", connection.dbUrl(),
                "migration.db.user", connection.dbUser(),
                "migration.db.password", connection.dbPassword(),
                "migration.s3.endpoint", connection.s3Endpoint(),
                "migration.s3.region", connection.s3Region(),
                "migration.s3.access-key", connection.s3AccessKey(),
                "migration.s3.secret-key", connection.s3SecretKey(),
                "migration.s3.path-style", "true",
                "migration.dead-letter-dir", deadLetterDir.toString()));
        overrides.put("migration.poll-delay-ms", "20");
        overrides.put("migration.assume-yes", "true");
        overrides.put("migration.log-dir", logDir.toString());
        for (int i = 0; i < keyValues.length; i += 2) {
            overrides.put(keyValues[i], keyValues[i + 1]);
        }
        return overrides;
    }

    /** Every line of every run's log file, in order. */
    List<String> logLines() throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.list(logDir)) {
            for (Path file : files.sorted().toList()) {
                lines.addAll(Files.readAllLines(file));
            }
        }
        return lines;
    }

    private void givenObjectAlreadyCopied() throws Exception {
        insertRows(List.of("image/a.png", "image/b.png"), false);
        insertObject(LEGACY_BUCKET, "image/a.png", "legacy a");
        insertObject(LEGACY_BUCKET, "image/b.png", "legacy b");
        insertObject(PRODUCTION_BUCKET, "avatar/a.png", "copied earlier");
    }

    static List<String> numberedKeys(String prefix, int count) {
        return IntStream.rangeClosed(1, count).mapToObj(i -> prefix + "avatar-" + i + ".png").toList();
    }

    /** Rows get ids 1, 2, ... in list order; with objects, each key gets an object in its prefix's bucket. */
    void insertRows(List<String> keys, boolean withObjects) throws Exception {
        SampleDataset dataset = dataset();
        dataset.insertRows(keys);
        if (withObjects) {
            dataset.uploadObjects(keys, 1);
        }
    }

    SampleDataset dataset() {
        return new SampleDataset(db, s3, SETTINGS, 16);
    }

    void insertObject(String bucket, String key, String content) {
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString(content));
    }

    String content(String bucket, String key) {
        return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asUtf8String();
    }

    void execute(String sql) throws SQLException {
        try (Connection connection = db.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** The key column of every row, in id order. */
    List<String> keys() throws SQLException {
        List<String> keys = new ArrayList<>();
        try (Connection connection = db.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT path FROM avatars ORDER BY id")) {
            while (rows.next()) {
                keys.add(rows.getString(1));
            }
        }
        return keys;
    }

    boolean objectExists(String bucket, String key) {
        try {
            s3.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    Set<String> objectKeys(String bucket) {
        return s3.listObjectsV2Paginator(b -> b.bucket(bucket)).contents().stream()
                .map(object -> object.key()).collect(Collectors.toSet());
    }

    List<JsonNode> deadLetters() throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> letters = new ArrayList<>();
        try (Stream<Path> files = Files.walk(deadLetterDir)) {
            for (Path file : files.filter(path -> path.getFileName().toString().matches("[^.].*\\.json")).toList()) {
                letters.add(json.readTree(file.toFile()));
            }
        }
        return letters;
    }

    private void emptyOrCreate(String bucket) {
        try {
            for (String key : objectKeys(bucket)) {
                s3.deleteObject(b -> b.bucket(bucket).key(key));
            }
        } catch (NoSuchBucketException e) {
            s3.createBucket(b -> b.bucket(bucket));
        }
    }
}
