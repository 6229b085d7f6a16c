package io.github.s3migration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the migration scenarios share: they run the job end to end, as an operator runs it, against a real PostgreSQL
 * and a real S3 server, each from an empty table and empty buckets. The areas (CoreScenarios, OperatorScenarios,
 * ResilienceScenarios) hold the tests; the runners (EmbeddedMigrationTest, ContainersMigrationTest) say where the
 * servers are.
 */
abstract class ScenarioSupport {

    static final String LEGACY_BUCKET = "sketch-legacy-s3";
    static final String PRODUCTION_BUCKET = "sketch-production-s3";
    static final MigrationSettings SETTINGS = new MigrationSettings("avatars", "id", "path", LEGACY_BUCKET, "image/",
            PRODUCTION_BUCKET, "avatar/", 100, 32, true, "dead-letters");

    @TempDir
    Path deadLetterDir;
    @TempDir
    Path logDir;
    @TempDir
    Path outcomeDir;
    HikariDataSource db;
    S3Client s3;
    /** The runner's (EmbeddedMigrationTest, ContainersMigrationTest). */
    private ScenarioServers servers;

    /** Where the database and the S3 server of this run of the scenarios are. */
    ConnectionSettings connection() {
        return servers.connection();
    }

    /** Makes the database unreachable for a while, then reachable again at the same address with the same data. */
    void takeDatabaseDown(Duration outage) throws Exception {
        servers.takeDatabaseDown(outage);
    }

    @BeforeEach
    void startFromNothing(ScenarioServers servers) throws Exception {
        this.servers = servers;
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

    /** Runs the job as an operator would, against this scenario's servers; returns its exit code. */
    int migrate(String... keyValues) {
        return MigrationApplication.run(settings(keyValues));
    }

    /** Runs the job with these settings: it must refuse with exit code 1 and one ERROR line, which says this. */
    void assertRefusedWithOneLine(String message, String... keyValues) {
        try (ConsoleCapture console = new ConsoleCapture()) {
            assertThat(migrate(keyValues)).isEqualTo(ExitCode.CANNOT_RUN.code());
            assertThat(console.lines()).filteredOn(line -> line.startsWith("ERROR: ")).singleElement()
                    .satisfies(line -> assertThat(line).contains(message));
        }
    }

    /**
     * Migrates rows image/avatar-1.png, ... while another writer gives row 5 another legacy key: its copy is held 4 s
     * at a proxy, and the row is changed once row 6's object is copied. Returns the run's exit code.
     */
    int migrateWhileAnotherWriterChangesRowFive() throws Exception {
        try (FaultInjectingProxy slow = FaultInjectingProxy.delayRequestsContaining(connection().s3Endpoint(),
                "avatar-5.png", 4_000)) {
            ExecutorService job = Executors.newSingleThreadExecutor();
            Future<Integer> run = job.submit(() -> migrate("migration.s3.endpoint", slow.endpoint()));
            await().atMost(Duration.ofSeconds(30)).until(() -> objectKeys(PRODUCTION_BUCKET).contains("avatar/avatar-6.png"));
            execute("UPDATE avatars SET path = 'image/changed-by-someone.png' WHERE id = 5");
            int exitCode = run.get(1, TimeUnit.MINUTES);
            job.shutdown();
            return exitCode;
        }
    }

    /** The job in a JVM of its own, its console in a file under the log directory. */
    Process startJob(String consoleFile, Map<String, String> properties) throws IOException {
        return startJob(consoleFile, List.of(), properties);
    }

    /** The same, with JVM options of its own after the project's. */
    Process startJob(String consoleFile, List<String> jvmOptions, Map<String, String> properties) throws IOException {
        return new ProcessBuilder(javaCommand(jvmOptions, properties)).redirectErrorStream(true)
                .redirectOutput(logDir.resolve(consoleFile).toFile()).start();
    }

    /** The command line that runs the job in a JVM of its own, as an operator would, with these properties. */
    static List<String> javaCommand(Map<String, String> properties) {
        return javaCommand(List.of(), properties);
    }

    private static List<String> javaCommand(List<String> jvmOptions, Map<String, String> properties) {
        return JavaCommand.of(Stream.concat(JavaCommand.projectJvmOptions().stream(), jvmOptions.stream()).toList(),
                properties, MigrationApplication.class.getName());
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
        overrides.put("migration.outcome-dir", outcomeDir.toString());
        for (int i = 0; i < keyValues.length; i += 2) {
            overrides.put(keyValues[i], keyValues[i + 1]);
        }
        return overrides;
    }

    /** Every line of every run's log file, in order. */
    List<String> logLines() throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.list(logDir)) {
            for (Path file : files.filter(file -> file.toString().endsWith(".log")).sorted().toList()) {
                lines.addAll(Files.readAllLines(file));
            }
        }
        return lines;
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

    /** How many rows have a key under this prefix: "avatar/" for the rows migrated so far. */
    long rowsUnder(String prefix) throws SQLException {
        return keys().stream().filter(key -> key != null && key.startsWith(prefix)).count();
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

    /** Every run's outcome records, oldest run first. */
    List<Path> outcomeFiles() throws IOException {
        try (Stream<Path> files = Files.list(outcomeDir)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".outcomes.jsonl")).sorted().toList();
        }
    }

    /** Every line of the file, each of which must be a whole JSON object. */
    static List<JsonNode> records(Path file) {
        try {
            List<JsonNode> records = new ArrayList<>();
            ObjectMapper json = new ObjectMapper();
            for (String line : Files.readAllLines(file)) {
                records.add(json.readTree(line));
            }
            return records;
        } catch (IOException e) {
            throw new AssertionError("Not a file of whole JSON lines: " + file, e);
        }
    }

    void emptyOrCreate(String bucket) {
        try {
            for (String key : objectKeys(bucket)) {
                s3.deleteObject(b -> b.bucket(bucket).key(key));
            }
        } catch (NoSuchBucketException e) {
            s3.createBucket(b -> b.bucket(bucket));
        }
    }
}
