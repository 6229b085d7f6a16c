package io.github.s3migration;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The migration job run end to end, as an operator runs it, against a real PostgreSQL and a real S3 server.
 * Subclasses say where those servers are: embedded here, in containers where a Docker engine exists.
 */
abstract class MigrationScenarios {

    static final String LEGACY_BUCKET = "sketch-legacy-s3";
    static final String PRODUCTION_BUCKET = "sketch-production-s3";
    static final MigrationSettings SETTINGS = new MigrationSettings("avatars", "id", "path", LEGACY_BUCKET, "image/",
            PRODUCTION_BUCKET, "avatar/", 100, 32, 2, true, "dead-letters");

    @TempDir
    Path deadLetterDir;
    @TempDir
    Path logDir;
    HikariDataSource db;
    S3Client s3;

    /** Where the database and the S3 server of this run of the scenarios are. */
    protected abstract ConnectionSettings connection();

    @BeforeEach
    void startFromNothing() throws Exception {
        db = MigrationConfiguration.newDataSource(connection(), 4);
        s3 = MigrationConfiguration.newS3Client(connection(), 32, 30);
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

        assertThat(migrate()).isEqualTo(MigrationRun.EXIT_DONE);

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
        assertThat(migrate()).isEqualTo(MigrationRun.EXIT_DONE);
        List<String> afterFirstRun = keys();
        // Any copy attempted now would fail and be dead-lettered.
        emptyOrCreate(LEGACY_BUCKET);

        assertThat(migrate("migration.skip-existing", "false")).isEqualTo(MigrationRun.EXIT_DONE);

        assertThat(keys()).isEqualTo(afterFirstRun);
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void existenceCheckKeepsObjectsAlreadyAtTheTarget() throws Exception {
        givenObjectAlreadyCopied();

        assertThat(migrate()).isEqualTo(MigrationRun.EXIT_DONE);

        assertThat(keys()).containsExactly("avatar/a.png", "avatar/b.png");
        assertThat(content(PRODUCTION_BUCKET, "avatar/a.png")).isEqualTo("copied earlier");
        assertThat(content(PRODUCTION_BUCKET, "avatar/b.png")).isEqualTo("legacy b");
    }

    @Test
    void withoutExistenceCheckEveryObjectIsCopied() throws Exception {
        givenObjectAlreadyCopied();

        assertThat(migrate("migration.skip-existing", "false")).isEqualTo(MigrationRun.EXIT_DONE);

        assertThat(keys()).containsExactly("avatar/a.png", "avatar/b.png");
        assertThat(content(PRODUCTION_BUCKET, "avatar/a.png")).isEqualTo("legacy a");
    }

    @Test
    void missingSourceObjectIsDeadLetteredAndTheOtherRowsMigrate() throws Exception {
        List<String> legacy = numberedKeys("image/", 20);
        insertRows(legacy, true);
        s3.deleteObject(b -> b.bucket(LEGACY_BUCKET).key("image/avatar-7.png"));

        assertThat(migrate()).isEqualTo(MigrationRun.EXIT_DEAD_LETTERS);

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

    @Test
    void transientS3FailuresAreRetriedAndNothingIsDeadLettered() throws Exception {
        List<String> legacy = numberedKeys("image/", 150);
        insertRows(legacy, true);
        try (FaultInjectingProxy proxy = FaultInjectingProxy.slowDownsAndResets(connection().s3Endpoint(), 4, 11)) {
            int exitCode = migrate("migration.s3.endpoint", proxy.endpoint(),
                    "migration.retry.initial-delay-ms", "10", "migration.slowdown-pause-ms", "20");

            assertThat(exitCode).isEqualTo(MigrationRun.EXIT_DONE);
            assertThat(proxy.slowDownsAnswered()).isGreaterThan(10);
            assertThat(proxy.connectionsReset()).isGreaterThan(5);
        }
        assertThat(deadLetters()).isEmpty();
        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
        assertThat(objectKeys(PRODUCTION_BUCKET)).hasSize(150);
    }

    @Test
    void failedBatchUpdateLosesNoRowAndReRunCompletesIt() throws Exception {
        insertRows(numberedKeys("image/", 30), true);
        execute("CREATE FUNCTION refuse_row_15() RETURNS trigger AS $$ BEGIN"
                + " IF NEW.id = 15 THEN RAISE EXCEPTION 'row 15 is locked'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql");
        execute("CREATE TRIGGER refuse_row_15 BEFORE UPDATE ON avatars FOR EACH ROW EXECUTE FUNCTION refuse_row_15()");

        int firstRun = migrate("migration.batch-size", "10", "migration.retry.max-redeliveries", "1",
                "migration.retry.initial-delay-ms", "10");

        assertThat(firstRun).isEqualTo(MigrationRun.EXIT_DEAD_LETTERS);
        List<String> keys = keys();
        assertThat(keys.subList(10, 20)).allMatch(key -> key.startsWith("image/"));
        assertThat(deadLetters()).extracting(letter -> letter.get("rowId").asLong())
                .containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(11, 20).mapToObj(Long::valueOf).toList());
        assertThat(keys.subList(0, 10)).allMatch(key -> key.startsWith("avatar/"));
        assertThat(keys.subList(20, 30)).allMatch(key -> key.startsWith("avatar/"));

        execute("DROP TRIGGER refuse_row_15 ON avatars");
        assertThat(migrate("migration.batch-size", "10")).isEqualTo(MigrationRun.EXIT_DONE);

        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
        assertThat(objectKeys(PRODUCTION_BUCKET)).containsAll(keys());
    }

    @Test
    void oddKeysMigrate() throws Exception {
        List<String> odd = List.of("image/with space.png", "image/plus+sign.png", "image/percent%20sign.png",
                "image/ünïcødé-日本語.png", "image/question?.png", "image/hash#.png", "image/" + "x".repeat(994));
        assertThat(odd.get(6).getBytes(StandardCharsets.UTF_8)).hasSize(1_000);
        insertRows(odd, true);

        assertThat(migrate()).isEqualTo(MigrationRun.EXIT_DONE);

        List<String> expected = odd.stream().map(key -> "avatar/" + key.substring("image/".length())).toList();
        assertThat(keys()).containsExactlyElementsOf(expected);
        assertThat(objectKeys(PRODUCTION_BUCKET)).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void keyThatIsThePrefixAloneIsDeadLettered() throws Exception {
        insertRows(List.of("image/a.png", "image/"), false);
        insertObject(LEGACY_BUCKET, "image/a.png", "a");

        assertThat(migrate()).isEqualTo(MigrationRun.EXIT_DEAD_LETTERS);

        assertThat(keys()).containsExactly("avatar/a.png", "image/");
        assertThat(deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.get("rowId").asLong()).isEqualTo(2);
            assertThat(letter.get("errorType").asText()).isEqualTo("InvalidRowException");
        });
    }

    @Test
    void invalidTableNameIsRefusedBeforeAnyWrite() throws Exception {
        insertRows(numberedKeys("image/", 5), true);

        assertThat(migrate("migration.table", "avatars; DROP TABLE avatars")).isEqualTo(MigrationRun.EXIT_CANNOT_RUN);

        assertThat(keys()).allMatch(key -> key.startsWith("image/"));
        assertThat(objectKeys(PRODUCTION_BUCKET)).isEmpty();
    }

    @Test
    void unknownTargetBucketIsRefusedBeforeAnyWrite() throws Exception {
        insertRows(numberedKeys("image/", 5), true);

        assertThat(migrate("migration.target.bucket", "no-such-bucket")).isEqualTo(MigrationRun.EXIT_CANNOT_RUN);

        assertThat(keys()).allMatch(key -> key.startsWith("image/"));
    }

    @Test
    void wrongS3CredentialsAreRefusedBeforeAnyWrite() throws Exception {
        insertRows(numberedKeys("image/", 5), true);

        assertThat(migrate("migration.s3.secret-key", "not-the-secret")).isEqualTo(MigrationRun.EXIT_CANNOT_RUN);

        assertThat(keys()).allMatch(key -> key.startsWith("image/"));
        assertThat(objectKeys(PRODUCTION_BUCKET)).isEmpty();
    }

    @Test
    void dryRunWritesNothing() throws Exception {
        insertRows(numberedKeys("image/", 30), true);
        List<String> before = keys();

        assertThat(migrate("migration.dry-run", "true")).isEqualTo(MigrationRun.EXIT_DONE);

        assertThat(keys()).isEqualTo(before);
        assertThat(objectKeys(PRODUCTION_BUCKET)).isEmpty();
        assertThat(logLines()).anyMatch(line -> line.endsWith(
                "Dry run: 30 legacy rows would be migrated; nothing was written"));
    }

    @Test
    void withoutTerminalOrAssumeYesTheJobRefusesBeforeAnyWrite() throws Exception {
        insertRows(numberedKeys("image/", 5), true);

        assertThat(migrate("migration.assume-yes", "false")).isEqualTo(MigrationRun.EXIT_CANNOT_RUN);

        assertThat(keys()).allMatch(key -> key.startsWith("image/"));
        assertThat(objectKeys(PRODUCTION_BUCKET)).isEmpty();
    }

    @Test
    void operatorConfirmsTwiceOnTheTerminal() throws Exception {
        insertRows(numberedKeys("image/", 20), true);

        Terminal session = migrateInTerminal("yes\nyes\n");

        assertThat(session.exitCode()).isEqualTo(MigrationRun.EXIT_DONE);
        assertThat(session.output()).contains("Are you sure you want to continue? (yes/no)",
                "Are you sure you want to perform the migration over this data status? (yes/no)", "Migration finished");
        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
    }

    @Test
    void operatorWhoAnswersNoGetsNothingWritten() throws Exception {
        insertRows(numberedKeys("image/", 20), true);

        Terminal session = migrateInTerminal("yes\nno\n");

        assertThat(session.exitCode()).isEqualTo(MigrationRun.EXIT_CANNOT_RUN);
        assertThat(session.output()).contains("Not confirmed");
        assertThat(keys()).allMatch(key -> key.startsWith("image/"));
        assertThat(objectKeys(PRODUCTION_BUCKET)).isEmpty();
    }

    @Test
    void targetThatCannotBeWrittenIsRefusedBeforeAnyWrite() throws Exception {
        insertRows(numberedKeys("image/", 5), true);

        try (FaultInjectingProxy readOnly = FaultInjectingProxy.readOnly(connection().s3Endpoint())) {
            assertThat(migrate("migration.s3.endpoint", readOnly.endpoint())).isEqualTo(MigrationRun.EXIT_CANNOT_RUN);
        }

        assertThat(logLines()).anyMatch(line -> line.contains("ERROR: Cannot write bucket sketch-production-s3"));
        assertThat(keys()).allMatch(key -> key.startsWith("image/"));
        assertThat(objectKeys(PRODUCTION_BUCKET)).isEmpty();
    }

    @Test
    void progressLinesAndTheLogFileAgreeWithTheDatabase() throws Exception {
        insertRows(numberedKeys("image/", 300), true);

        assertThat(migrate("migration.progress-interval-ms", "50", "migration.parallelism", "4",
                "migration.batch-size", "20", "migration.verbose", "true")).isEqualTo(MigrationRun.EXIT_DONE);

        List<String> log = logLines();
        assertThat(log).allMatch(line -> line.matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} .*"));
        List<String> progress = log.stream().filter(line -> line.contains(" Progress ")).toList();
        assertThat(progress).isNotEmpty();
        assertThat(progress.get(progress.size() - 1)).contains("Progress 100%, batches 15/15, files copied 300",
                "rows updated 300, dead letters 0");
        assertThat(log).filteredOn(line -> line.contains(" * copied sketch-legacy-s3/image/")).hasSize(300);
        assertThat(log).filteredOn(line -> line.contains(" * updated row ")).hasSize(300);
        assertThat(keys()).filteredOn(key -> key.startsWith("avatar/")).hasSize(300);
    }

    @Test
    void replayMigratesADeadLetteredRowOnceItsCauseIsFixed() throws Exception {
        insertRows(numberedKeys("image/", 10), true);
        s3.deleteObject(b -> b.bucket(LEGACY_BUCKET).key("image/avatar-3.png"));
        assertThat(migrate()).isEqualTo(MigrationRun.EXIT_DEAD_LETTERS);

        assertThat(migrate("migration.mode", "replay")).isEqualTo(MigrationRun.EXIT_DEAD_LETTERS);
        assertThat(deadLetters()).singleElement().satisfies(letter -> assertThat(letter.get("attempts").asInt()).isEqualTo(2));

        insertObject(LEGACY_BUCKET, "image/avatar-3.png", "restored");
        assertThat(migrate("migration.mode", "replay")).isEqualTo(MigrationRun.EXIT_DONE);

        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
        assertThat(content(PRODUCTION_BUCKET, "avatar/avatar-3.png")).isEqualTo("restored");
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void verifyReportsARowWhoseObjectWasDeleted() throws Exception {
        insertRows(numberedKeys("image/", 20), true);
        assertThat(migrate()).isEqualTo(MigrationRun.EXIT_DONE);
        assertThat(migrate("migration.mode", "verify")).isEqualTo(MigrationRun.EXIT_DONE);

        s3.deleteObject(b -> b.bucket(PRODUCTION_BUCKET).key("avatar/avatar-12.png"));

        assertThat(migrate("migration.mode", "verify")).isEqualTo(MigrationRun.EXIT_PROBLEMS_FOUND);
        assertThat(logLines()).anyMatch(line -> line.endsWith(
                "* missing: row 12 points at sketch-production-s3/avatar/avatar-12.png"));
    }

    @Test
    void prepareBuildsTheRequestedDataset() throws Exception {
        assertThat(migrate("migration.mode", "prepare", "prepare.count", "500", "prepare.legacy-share", "0.3",
                "prepare.allow-destroy", "true")).isEqualTo(MigrationRun.EXIT_DONE);

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

        assertThat(migrate("migration.mode", "prepare", "prepare.count", "10")).isEqualTo(MigrationRun.EXIT_CANNOT_RUN);

        assertThat(keys()).hasSize(5);
        assertThat(objectKeys(LEGACY_BUCKET)).hasSize(5);
    }

    @Test
    void integrationCheckFindsNoProblem() throws Exception {
        assertThat(migrate("migration.mode", "check", "check.count", "400", "prepare.allow-destroy", "true",
                "migration.batch-size", "30", "migration.parallelism", "5")).isEqualTo(MigrationRun.EXIT_DONE);

        assertThat(logLines()).anyMatch(line -> line.endsWith("No problems detected!"));
        assertThat(keys()).hasSize(400).allMatch(key -> key.startsWith("avatar/"));
    }

    /** Runs the job as an operator would, against this scenario's servers; returns its exit code. */
    int migrate(String... keyValues) {
        return MigrationApplication.run(settings(keyValues));
    }

    record Terminal(int exitCode, String output) {
    }

    /** Runs the job in its own JVM on a pseudo-terminal (util-linux script), typing the answers. */
    Terminal migrateInTerminal(String answers) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path")));
        settings("migration.assume-yes", "false").forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add(MigrationApplication.class.getName());
        String shellCommand = command.stream().map(arg -> "'" + arg.replace("'", "'\\''") + "'")
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
