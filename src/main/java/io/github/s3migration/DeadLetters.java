package io.github.s3migration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The rows that failed, one JSON file each under {@code <migration.dead-letter-dir>/<table>/<row id>.json}: written by
 * the dead letter route, removed once the row is migrated, read by the dead-letters and replay modes.
 */
public final class DeadLetters {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final MigrationRun run;
    private final MigrationSettings settings;
    private final Path directory;

    public DeadLetters(MigrationRun run, MigrationSettings settings) {
        this.run = run;
        this.settings = settings;
        this.directory = Path.of(settings.deadLetterDir(), settings.table());
    }

    /** One failed row; holds keys and the error, never a credential. */
    public record DeadLetter(
            String table, long rowId, String sourceKey, String targetKey, String errorType, String errorMessage,
            int attempts, String time, String runId) {

        public String fileName() {
            return table + "/" + rowId + ".json";
        }

        public String summary() {
            return "row " + rowId + " (" + sourceKey + "): " + errorType + ": " + errorMessage;
        }
    }

    /**
     * One dead letter per row the failed exchange carried: a row whose copy failed, a row that could not even be
     * planned, or every row of a batch whose update failed. Attempts add up over runs.
     */
    public List<DeadLetter> describe(Exchange failed) {
        Exception error = failed.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        int attempts = failed.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class) + 1;
        RowMigration row = failed.getProperty(RowMigration.PROPERTY, RowMigration.class);
        Object body = failed.getMessage().getBody();
        List<RowMigration> rows = row != null ? List.of(row)
                : body instanceof List<?> batch ? batch.stream().map(DeadLetters::failedRow).toList()
                : List.of(failedRow(body));
        String time = Instant.now().toString();
        return rows.stream().map(failedRow -> new DeadLetter(settings.table(), failedRow.id(), failedRow.sourceKey(),
                failedRow.targetKey(), errorType(error), errorMessage(error),
                attempts + previousAttempts(failedRow.id()), time, run.runId())).toList();
    }

    /** A row of a batch that failed before or after its copies: planned already, or as polled. */
    private static RowMigration failedRow(Object row) {
        if (row instanceof RowMigration planned) {
            return planned;
        }
        Map<?, ?> polled = (Map<?, ?>) row;
        return new RowMigration(((Number) polled.get("id")).longValue(), (String) polled.get("source_key"), null);
    }

    /**
     * The rows are migrated now: their dead letters, if any, no longer stand. Never fails the batch: its rows are
     * already updated, and a stale dead letter only costs a replay that finds nothing to do.
     */
    public void resolved(List<RowMigration> rows) {
        if (!Files.isDirectory(directory)) {
            return;
        }
        for (RowMigration row : rows) {
            try {
                if (Files.deleteIfExists(file(row.id()))) {
                    run.deadLetterResolved();
                }
            } catch (IOException e) {
                LOG.warn("WARNING: row {} is migrated but its dead letter could not be removed: {}", row.id(), e.getMessage());
            }
        }
    }

    public List<DeadLetter> readAll() {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            List<DeadLetter> letters = new ArrayList<>();
            for (Path file : files.filter(DeadLetters::isDeadLetterFile).sorted().toList()) {
                letters.add(JSON.readValue(file.toFile(), DeadLetter.class));
            }
            return letters;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the dead letters under " + directory, e);
        }
    }

    /** Dead letters grouped by error: count, one example key, the error text; then one line each when verbose. */
    public int printReport(boolean verbose) {
        List<DeadLetter> letters = readAll();
        LOG.info("{} dead letters under {}", letters.size(), directory.toAbsolutePath());
        Map<String, List<DeadLetter>> byError = new TreeMap<>();
        for (DeadLetter letter : letters) {
            byError.computeIfAbsent(letter.errorType(), type -> new ArrayList<>()).add(letter);
        }
        byError.forEach((type, group) -> LOG.info("* {} x {}, for example {}: {}", group.size(), type,
                group.get(0).sourceKey(), group.get(0).errorMessage()));
        if (verbose) {
            letters.forEach(letter -> LOG.info("* {} (attempts {}, run {})", letter.summary(), letter.attempts(),
                    letter.runId()));
        }
        return letters.size();
    }

    private int previousAttempts(long rowId) {
        Path file = file(rowId);
        if (!Files.exists(file)) {
            return 0;
        }
        try {
            return JSON.readValue(file.toFile(), DeadLetter.class).attempts();
        } catch (IOException e) {
            return 0;
        }
    }

    private Path file(long rowId) {
        return directory.resolve(rowId + ".json");
    }

    /** The file route writes to a dot-prefixed temporary name first. */
    private static boolean isDeadLetterFile(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".json") && !name.startsWith(".");
    }

    /** The S3 error code; for an answer without a body (HEAD), the one its status stands for. */
    private static String errorType(Exception error) {
        if (error instanceof S3Exception s3Error) {
            String code = s3Error.awsErrorDetails() == null ? null : s3Error.awsErrorDetails().errorCode();
            if (code != null) {
                return code;
            }
            return switch (s3Error.statusCode()) {
                case 403 -> "AccessDenied";
                case 404 -> "NotFound";
                default -> "HTTP " + s3Error.statusCode();
            };
        }
        return error == null ? "Unknown" : error.getClass().getSimpleName();
    }

    private static String errorMessage(Exception error) {
        if (error instanceof S3Exception s3Error && s3Error.awsErrorDetails() != null
                && s3Error.awsErrorDetails().errorMessage() == null) {
            return "HTTP " + s3Error.statusCode() + " " + s3Error.awsErrorDetails().sdkHttpResponse().statusText()
                    .orElse("") + " (no error body: a HEAD request)";
        }
        return error == null ? "" : String.valueOf(error.getMessage());
    }
}
