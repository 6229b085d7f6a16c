package io.github.s3migration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.test.junit5.TestExecutionConfiguration;
import org.apache.camel.test.main.junit5.CamelMainTestSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The routes as Camel Main builds them (application.properties, MigrationConfiguration on the embedded servers with 20
 * sample rows, routes/*.camel.yaml), with the copy-object route's S3 endpoint advised to answer as the test says: which
 * S3 answers are dead-lettered at once, which are retried, and for how long.
 *
 * <p>{@link JobLifecycle} does not run here (no lock, pre-flight, status or confirmation): the routes need
 * none of it, nor {@link MigrationRun#start}, which only sets what progress lines count against.
 */
@Tag("fast")
class CopyObjectRouteTest extends CamelMainTestSupport {

    private static final int RETRY_BUDGET_SECONDS = 1;

    @TempDir
    Path deadLetterDir;

    /** The start of every copy attempt, by row id. */
    private final Map<Long, List<Long>> attempts = new ConcurrentHashMap<>();

    @Override
    public void configureTest(TestExecutionConfiguration test) {
        // Started by each test, once the copy is advised.
        test.withUseAdviceWith(true);
    }

    @Override
    protected Class<?> getMainClass() {
        return MigrationApplication.class;
    }

    @Override
    protected void doPreSetup() {
        Properties properties = new Properties();
        properties.put("migration.embedded.sample-rows", "20");
        properties.put("migration.dead-letter-dir", deadLetterDir.toString());
        properties.put("migration.log-dir", "");
        properties.put("migration.outcome-dir", deadLetterDir.resolve("outcomes").toString());
        properties.put("migration.parallelism", "16");
        properties.put("migration.poll-delay-ms", "20");
        properties.put("migration.retry.max-total-seconds", Integer.toString(RETRY_BUDGET_SECONDS));
        properties.put("migration.retry.initial-delay-ms", "50");
        camelContextConfiguration().withUseOverridePropertiesWithPropertiesComponent(properties);
    }

    @ParameterizedTest(name = "HTTP {0} {1}")
    @CsvSource({"404, NoSuchKey", "403, AccessDenied"})
    void aClientErrorIsDeadLetteredOnItsFirstAttempt(int status, String code) throws Exception {
        List<Long> legacy = legacyRowIds();
        assertThat(legacy).hasSizeGreaterThan(3);

        MigrationRun run = migrate(status, code, Integer.MAX_VALUE);

        assertThat(run.exitCode()).isEqualTo(ExitCode.LEGACY_ROWS_LEFT);
        assertThat(run.deadLetters()).isEqualTo(legacy.size());
        Map<Long, JsonNode> letters = deadLetters();
        assertThat(letters.keySet()).containsExactlyElementsOf(legacy);
        assertThat(letters.values()).allSatisfy(letter -> {
            assertThat(letter.get("errorType").asText()).isEqualTo(code);
            assertThat(letter.get("errorMessage").asText()).contains("Status Code: " + status);
            assertThat(letter.get("attempts").asInt()).isEqualTo(1);
            assertThat(letter.get("targetKey").asText())
                    .isEqualTo("avatar/" + letter.get("sourceKey").asText().substring("image/".length()));
        });
        assertThat(attempts.keySet()).containsExactlyInAnyOrderElementsOf(legacy);
        assertThat(attempts).allSatisfy((id, starts) -> assertThat(starts).hasSize(1));
        assertThat(legacyRowIds()).isEqualTo(legacy);
        assertThat(run.rowsUpdated()).isZero();
    }

    @Test
    void slowDownIsRetriedUntilTheRetryBudgetIsSpentThenDeadLettered() throws Exception {
        List<Long> legacy = legacyRowIds();

        MigrationRun run = migrate(503, "SlowDown", Integer.MAX_VALUE);

        assertThat(run.exitCode()).isEqualTo(ExitCode.LEGACY_ROWS_LEFT);
        Map<Long, JsonNode> letters = deadLetters();
        assertThat(letters.keySet()).containsExactlyElementsOf(legacy);
        letters.forEach((id, letter) -> {
            List<Long> starts = attempts.get(id);
            assertThat(letter.get("errorType").asText()).isEqualTo("SlowDown");
            assertThat(letter.get("errorMessage").asText()).contains("Status Code: 503");
            // Retried while the row had been failing for less than the budget (backoff from 50 ms: about 6 attempts).
            assertThat(starts).hasSizeGreaterThan(2);
            assertThat(letter.get("attempts").asInt()).isEqualTo(starts.size());
            assertThat(starts.get(starts.size() - 1) - starts.get(0))
                    .isGreaterThan(Duration.ofSeconds(RETRY_BUDGET_SECONDS).minusMillis(100).toNanos());
        });
        assertThat(legacyRowIds()).isEqualTo(legacy);
    }

    @Test
    void slowDownThatPassesWithinTheBudgetMigratesEveryRow() throws Exception {
        List<Long> legacy = legacyRowIds();

        MigrationRun run = migrate(503, "SlowDown", 2);

        assertThat(run.exitCode()).isEqualTo(ExitCode.DONE);
        assertThat(run.objectsCopied()).isEqualTo(legacy.size());
        assertThat(run.rowsUpdated()).isEqualTo(legacy.size());
        assertThat(attempts.keySet()).containsExactlyInAnyOrderElementsOf(legacy);
        assertThat(attempts).allSatisfy((id, starts) -> assertThat(starts).hasSize(3));
        assertThat(legacyRowIds()).isEmpty();
        S3Client s3 = context.getRegistry().findSingleByType(S3Client.class);
        for (String key : keysOf(legacy)) {
            assertThat(key).startsWith("avatar/");
            s3.headObject(b -> b.bucket("sketch-production-s3").key(key));
        }
        assertThat(deadLetters()).isEmpty();
    }

    /**
     * Starts the routes with each row's first {@code failingAttempts} copies answered with this S3 error (the
     * attempts after them go to S3), and waits until the run is done and its last letters are written.
     */
    private MigrationRun migrate(int status, String code, int failingAttempts) throws Exception {
        AdviceWith.adviceWith(context, "copy-object", route -> route.weaveByToUri("aws2-s3:*").before()
                .process(exchange -> {
                    RowMigration row = exchange.getProperty(RowMigration.PROPERTY, RowMigration.class);
                    List<Long> starts = attempts.computeIfAbsent(row.id(), id -> new CopyOnWriteArrayList<>());
                    starts.add(System.nanoTime());
                    if (starts.size() <= failingAttempts) {
                        throw S3Exception.builder().statusCode(status).message(code + " (advised)")
                                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code)
                                        .errorMessage(code + " (advised)").build())
                                .build();
                    }
                }));
        context.start();
        MigrationRun run = context.getRegistry().findSingleByType(MigrationRun.class);
        // A row counts as dead-lettered before its letter is written: the exchange writing it is still in flight.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> run.isFinished() && context.getInflightRepository().size() == 0);
        return run;
    }

    private List<Long> legacyRowIds() throws Exception {
        return query("SELECT id FROM avatars WHERE starts_with(path, 'image/') ORDER BY id").stream()
                .map(Long::valueOf).toList();
    }

    private List<String> keysOf(List<Long> ids) throws Exception {
        return query("SELECT path FROM avatars WHERE id IN (" + String.join(", ", ids.stream().map(String::valueOf)
                .toList()) + ") ORDER BY id");
    }

    private List<String> query(String sql) throws Exception {
        List<String> values = new ArrayList<>();
        try (Connection connection = context.getRegistry().findSingleByType(DataSource.class).getConnection();
             Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                values.add(rows.getString(1));
            }
        }
        return values;
    }

    /** The letters by row id, where DeadLetters puts them: table, key column, URL-encoded source prefix. */
    private Map<Long, JsonNode> deadLetters() throws Exception {
        Map<Long, JsonNode> letters = new TreeMap<>();
        Path directory = deadLetterDir.resolve("avatars").resolve("path").resolve("image%2F");
        if (!Files.isDirectory(directory)) {
            return letters;
        }
        ObjectMapper json = new ObjectMapper();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                assertThat(name).matches("\\d+\\.json");
                letters.put(Long.valueOf(name.substring(0, name.length() - ".json".length())), json.readTree(file.toFile()));
            }
        }
        return letters;
    }
}
