package io.github.s3migration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The rows that failed, one JSON file each under
 * {@code <migration.dead-letter-dir>/<table>/<key column>/<source prefix, URL-encoded>/<row id>.json}, so that two
 * migrations of one table never touch each other's letters: written by the dead letter route, removed once the row is
 * updated, read by the dead-letters and replay modes a file at a time (a million letters fit in a small heap).
 *
 * <p>A letter is written to a temporary file, forced to disk, and renamed over the old one in one step: a crash or a
 * full disk leaves either the old letter or the new one, never none.
 */
public final class DeadLetters {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).enable(SerializationFeature.INDENT_OUTPUT);
    private static final String SUFFIX = ".json";
    private static final String TEMPORARY_PREFIX = ".writing-";
    private static final String CLEANUP_DIRECTORY = "cleanup";

    private final MigrationRun run;
    private final MigrationSettings settings;
    private final Path directory;

    public DeadLetters(MigrationRun run, MigrationSettings settings) {
        this.run = run;
        this.settings = settings;
        this.directory = Path.of(settings.deadLetterDir(), settings.table(), settings.keyColumn(),
                // Encoded whole: a prefix may hold slashes, dots or anything else a key may.
                URLEncoder.encode(settings.sourcePrefix(), StandardCharsets.UTF_8).replace(".", "%2E"));
    }

    /** One failed row; holds keys and the error, never a credential. */
    public record DeadLetter(
            String table, long rowId, String sourceKey, String targetKey, String errorType, String errorMessage,
            int attempts, String time, String runId) {

        public String summary() {
            return "row " + rowId + " (" + sourceKey + "): " + errorType + ": " + errorMessage;
        }
    }

    /** A legacy object the cleanup could not delete; holds its key and the error, never a credential. */
    public record CleanupLetter(String bucket, String key, String errorType, String errorMessage, String time,
            String runId) {
    }

    public Path directory() {
        return directory;
    }

    /** The cleanup's letters, one per legacy object it could not delete, named by a digest of the key. */
    Path cleanupDirectory() {
        return directory.resolve(CLEANUP_DIRECTORY);
    }

    /** Before a run writes anything: the letters of its failures must have somewhere to go. */
    public void checkWritable() {
        try {
            Files.createDirectories(directory);
            Path probe = Files.createTempFile(directory, TEMPORARY_PREFIX, ".probe");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new InvalidConfigurationException("Cannot write dead letters under " + directory.toAbsolutePath()
                    + " (migration.dead-letter-dir): " + e);
        }
    }

    /**
     * One dead letter per row the failed exchange carried: a row whose copy failed, a row that could not even be
     * planned, or every row of a batch whose update failed. Attempts add up over runs.
     */
    public List<DeadLetter> describe(Exchange failed) {
        Exception error = failed.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        int attempts = Math.max(1, failed.getProperty(FailedAttempt.ATTEMPTS, 0, Integer.class));
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

    /** Writes the letter in one step over any earlier letter of the row. */
    public void write(DeadLetter letter) throws IOException {
        writeAtomically(directory, letter.rowId() + SUFFIX, letter);
    }

    /** Writes the cleanup's letter in one step over any earlier letter of the object. */
    void write(CleanupLetter letter) throws IOException {
        writeAtomically(cleanupDirectory(), cleanupFileName(letter.key()), letter);
    }

    /** The legacy object is gone: its cleanup letter, if any, no longer stands. */
    void cleanupResolved(String key) throws IOException {
        Files.deleteIfExists(cleanupDirectory().resolve(cleanupFileName(key)));
    }

    /** The cleanup's letters that stand. */
    long cleanupLetters() {
        if (!Files.isDirectory(cleanupDirectory())) {
            return 0;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(cleanupDirectory(), DeadLetters::isDeadLetterFile)) {
            long count = 0;
            for (Path ignored : files) {
                count++;
            }
            return count;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list the cleanup's dead letters under " + cleanupDirectory(), e);
        }
    }

    /** A key may be 1,024 bytes, longer than a file name may be. */
    private static String cleanupFileName(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8))) + SUFFIX;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java runtime has SHA-256", e);
        }
    }

    private static void writeAtomically(Path directory, String name, Object letter) throws IOException {
        Files.createDirectories(directory);
        Path temporary = directory.resolve(TEMPORARY_PREFIX + name);
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(ByteBuffer.wrap(JSON.writeValueAsBytes(letter)));
            channel.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
        Files.move(temporary, directory.resolve(name), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(directory);
    }

    /** The rename itself on disk too; some file systems refuse to open a directory for that, which is no failure. */
    private static void forceDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            LOG.debug("Cannot force directory {} to disk: {}", directory, e.getMessage());
        }
    }

    /**
     * These rows are updated: their dead letters, if any, no longer stand. Never fails the batch: its rows are already
     * updated, and a letter left behind is reported as stale later and removed by a replay.
     */
    public void resolved(List<RowMigration> updatedRows) {
        if (!Files.isDirectory(directory)) {
            return;
        }
        for (RowMigration row : updatedRows) {
            try {
                if (Files.deleteIfExists(file(row.id()))) {
                    run.deadLetterResolved();
                }
            } catch (IOException e) {
                LOG.warn("WARNING: row {} is migrated but its dead letter could not be removed: {}", row.id(), e.getMessage());
            }
        }
    }

    /** The row ids that have a dead letter, sorted: from the file names, without reading the letters. */
    public long[] rowIds() {
        if (!Files.isDirectory(directory)) {
            return new long[0];
        }
        long[] ids = new long[1024];
        int count = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, DeadLetters::isDeadLetterFile)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                try {
                    long id = Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
                    if (count == ids.length) {
                        ids = Arrays.copyOf(ids, count * 2);
                    }
                    ids[count++] = id;
                } catch (NumberFormatException e) {
                    LOG.warn("WARNING: {} is not a dead letter of this job (its name is not a row id); skipped", file);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list the dead letters under " + directory, e);
        }
        long[] sorted = Arrays.copyOf(ids, count);
        Arrays.sort(sorted);
        return sorted;
    }

    /** Each readable letter, one at a time; an unreadable file is skipped with a warning that names it. */
    public void forEach(Consumer<DeadLetter> action) {
        for (long id : rowIds()) {
            Path file = file(id);
            try {
                action.accept(JSON.readValue(file.toFile(), DeadLetter.class));
            } catch (IOException e) {
                LOG.warn("WARNING: cannot read dead letter {}, skipped: {}", file, e.getMessage());
            }
        }
    }

    /** Removes the letter of a row that no longer needs one (it is no longer legacy). */
    public void remove(long rowId) {
        try {
            Files.deleteIfExists(file(rowId));
        } catch (IOException e) {
            LOG.warn("WARNING: cannot remove dead letter {}: {}", file(rowId), e.getMessage());
        }
    }

    /**
     * Dead letters grouped by error: count, one example key, the error text; then one line each when verbose. Letters
     * whose row is no longer legacy (fixed by hand, migrated by another run) are counted apart as stale.
     *
     * @return the letters that still stand
     */
    public long printReport(boolean verbose, LegacyRows legacy) {
        Map<String, List<DeadLetter>> examples = new TreeMap<>();
        Map<String, Long> counts = new TreeMap<>();
        long[] total = new long[2];
        long[] stillLegacy = legacy.stillLegacy(rowIds());
        forEach(letter -> {
            if (Arrays.binarySearch(stillLegacy, letter.rowId()) < 0) {
                total[1]++;
                return;
            }
            total[0]++;
            counts.merge(letter.errorType(), 1L, Long::sum);
            List<DeadLetter> example = examples.computeIfAbsent(letter.errorType(), type -> new ArrayList<>());
            if (example.isEmpty()) {
                example.add(letter);
            }
            if (verbose) {
                LOG.info("* {} (attempts {}, run {})", letter.summary(), letter.attempts(), letter.runId());
            }
        });
        LOG.info("{} dead letters under {}", total[0], directory.toAbsolutePath());
        counts.forEach((type, count) -> LOG.info("* {} x {}, for example {}: {}", count, type,
                examples.get(type).get(0).sourceKey(), examples.get(type).get(0).errorMessage()));
        if (total[1] > 0) {
            LOG.info("{} stale dead letters: their rows are no longer legacy (a replay removes them)", total[1]);
        }
        long cleanupLetters = cleanupLetters();
        if (cleanupLetters > 0) {
            LOG.info("{} legacy objects the cleanup could not delete, one letter each under {} (the next cleanup tries"
                    + " them again)", cleanupLetters, cleanupDirectory().toAbsolutePath());
        }
        return total[0] + cleanupLetters;
    }

    /** Which of these rows are still legacy rows of this migration. */
    @FunctionalInterface
    public interface LegacyRows {
        long[] stillLegacy(long[] sortedIds);
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
        return directory.resolve(rowId + SUFFIX);
    }

    /** A letter being written has a dot-prefixed temporary name. */
    private static boolean isDeadLetterFile(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(SUFFIX) && !name.startsWith(".");
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
        if (error == null) {
            return "";
        }
        // The database's own words ("value too long for type character varying(20)", "canceling statement due to
        // lock timeout"), not the wrapper's ("bad SQL grammar []").
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && !(cause instanceof BatchUpdateException)) {
                return sql.getMessage();
            }
        }
        return String.valueOf(error.getMessage());
    }
}
