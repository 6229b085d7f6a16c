package io.github.s3migration;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happened to each row (or, in a cleanup, to each legacy object) a run handled: one JSON line each, in
 * {@code <migration.outcome-dir>/migration-<run id>.outcomes.jsonl}, next to the run's log file by default. Lines are
 * written as the run goes, a batch at a time in one write, so a run killed at any moment leaves a file whose every
 * line is whole (but maybe the last, if the machine itself fails: readers skip a line that does not parse). They hold
 * keys, sizes and ETags, never a credential. Cleanup and rollback read them back.
 */
public final class OutcomeRecords implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OutcomeRecords.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final String PREFIX = "migration-";
    private static final String SUFFIX = ".outcomes.jsonl";
    private static final Pattern RUN_ID = Pattern.compile("\\d{8}-\\d{6}-[0-9a-f]{4}(-s\\d+)?");

    /** Outcomes of a migration (migrate, replay, check): the first two mean the row was updated. */
    public static final String COPIED = "copied";
    public static final String ALREADY_PRESENT = "already-present";
    /** The guarded update left the row alone: its key changed while the object was copied (or, in a rollback, since). */
    public static final String CHANGED_MEANWHILE = "changed-meanwhile";
    public static final String DEAD_LETTERED = "dead-lettered";
    /** Outcomes of a rollback. */
    public static final String ROLLED_BACK = "rolled-back";
    public static final String LEGACY_OBJECT_MISSING = "legacy-object-missing";
    /** Outcomes of a cleanup, per legacy object. */
    public static final String DELETED = "deleted";
    public static final String KEPT = "kept";

    /**
     * One line.
     *
     * @param mode    migrate, replay, check, rollback or cleanup
     * @param id      the row's id; absent in a cleanup, which is per object
     * @param oldKey  the row's key before the run (in a cleanup, the legacy key)
     * @param newKey  the key the run gave it, or would have given it
     * @param updated whether the run changed the row
     * @param size    the legacy object's size in bytes, where the run listed it
     * @param etag    the legacy object's ETag, where the run listed it
     * @param reason  why the row was dead-lettered, left alone or kept
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Outcome(String time, String run, String mode, String table, String column, String sourceBucket,
            String targetBucket, Long id, String oldKey, String newKey, String outcome, boolean updated, Long size,
            String etag, String reason) {

        /**
         * Whether this record says a row of this migration (its table, column, buckets and legacy prefix) was
         * migrated: its object in place and its key the new one. The cleanup and the rollback go by these only.
         */
        boolean migratedRowOf(MigrationSettings settings) {
            return updated && (COPIED.equals(outcome) || ALREADY_PRESENT.equals(outcome)) && id != null
                    && settings.table().equals(table) && settings.keyColumn().equals(column)
                    && settings.sourceBucket().equals(sourceBucket) && settings.targetBucket().equals(targetBucket)
                    && oldKey != null && oldKey.startsWith(settings.sourcePrefix());
        }
    }

    private final Path directory;
    private final String runId;
    private final MigrationSettings settings;
    private String mode;
    private Path path;
    private FileChannel channel;
    private boolean failed;

    /** @param directory where every run's records go; the cleanup reads them all from there */
    public OutcomeRecords(Path directory, String runId, MigrationSettings settings) {
        this.directory = directory;
        this.runId = runId;
        this.settings = settings;
    }

    /** Where this run's records go once {@link #open} starts them. */
    Path plannedPath() {
        return file(directory, runId).toAbsolutePath();
    }

    /** Starts this run's file: from now on, {@link #write} adds to it. Fails at once if it cannot be written. */
    public synchronized void open(String runMode) {
        mode = runMode;
        path = plannedPath();
        try {
            Files.createDirectories(directory);
            channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
        } catch (IOException | SecurityException e) {
            throw new InvalidConfigurationException("Cannot write the outcome records " + path
                    + " (migration.outcome-dir): " + e);
        }
    }

    public synchronized Optional<Path> path() {
        return Optional.ofNullable(path);
    }

    /**
     * The records of a batch whose update ran: its rows updated (copied, or already present), and those the guarded
     * update left alone.
     *
     * @param updatedIds the ids the update returned
     */
    public void batchUpdated(List<RowMigration> batch, Set<Long> updatedIds) {
        String time = Instant.now().toString();
        List<Outcome> lines = new ArrayList<>(batch.size());
        for (RowMigration row : batch) {
            boolean rowUpdated = updatedIds.contains(row.id());
            lines.add(outcome(time, row.id(), row.sourceKey(), row.targetKey(),
                    !rowUpdated ? CHANGED_MEANWHILE : row.alreadyPresent() ? ALREADY_PRESENT : COPIED, rowUpdated,
                    row.source(), rowUpdated ? null : "its key changed in the database while its object was copied"));
        }
        write(lines);
    }

    /** The record of a row that went to a dead letter. */
    public void deadLettered(DeadLetters.DeadLetter letter) {
        write(List.of(outcome(letter.time(), letter.rowId(), letter.sourceKey(), letter.targetKey(), DEAD_LETTERED,
                false, null, letter.errorType() + ": " + letter.errorMessage())));
    }

    Outcome outcome(String time, Long id, String oldKey, String newKey, String outcome, boolean updated,
            RowMigration.SourceObject source, String reason) {
        return new Outcome(time, runId, mode, settings.table(), settings.keyColumn(), settings.sourceBucket(),
                settings.targetBucket(), id, oldKey, newKey, outcome, updated, source == null ? null : source.size(),
                source == null ? null : source.etag(), reason);
    }

    /**
     * Appends the lines in one write. A failure to write is said once and does not stop the run: its rows are already
     * copied and updated, and stopping here would leave them in flight.
     */
    synchronized void write(List<Outcome> lines) {
        if (channel == null || lines.isEmpty()) {
            return;
        }
        try {
            StringBuilder text = new StringBuilder(lines.size() * 300);
            for (Outcome line : lines) {
                text.append(JSON.writeValueAsString(line)).append('\n');
            }
            ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        } catch (IOException e) {
            if (!failed) {
                failed = true;
                LOG.error("ERROR: cannot write the outcome records {}: {}; the run goes on without them", path,
                        e.getMessage());
            }
        }
    }

    /** Forces the records to disk. */
    @Override
    public synchronized void close() {
        if (channel == null) {
            return;
        }
        try {
            channel.force(true);
            channel.close();
        } catch (IOException e) {
            LOG.warn("WARNING: cannot close the outcome records {}: {}", path, e.getMessage());
        }
        channel = null;
    }

    static Path file(Path directory, String runId) {
        return directory.resolve(PREFIX + runId + SUFFIX);
    }

    /**
     * A run id as the job makes them (yyyyMMdd-HHmmss-xxxx, a shard's with -s&lt;index&gt;), so that it can name a file
     * and nothing else.
     */
    static boolean isRunId(String text) {
        return RUN_ID.matcher(text).matches();
    }

    /** Every run's record file in the directory, oldest run first. */
    static List<Path> files(Path directory) {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, PREFIX + "*" + SUFFIX)) {
            stream.forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list the outcome records under " + directory, e);
        }
        files.sort(null);
        return files;
    }

    /**
     * The records of the file, read a line at a time as the stream is consumed (a file of millions fits in a small
     * heap); close the stream. A line that does not parse (the last line of a run cut off by a machine failure) is
     * skipped, and said once the stream is closed.
     */
    static Stream<Outcome> read(Path file) {
        BufferedReader reader;
        try {
            // Not Files.newBufferedReader: a line cut off inside a character must not stop the reading.
            reader = new BufferedReader(new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the outcome records " + file, e);
        }
        long[] unreadable = new long[1];
        return reader.lines().filter(line -> !line.isBlank()).map(line -> {
            try {
                return JSON.readValue(line, Outcome.class);
            } catch (JsonProcessingException e) {
                unreadable[0]++;
                return null;
            }
        }).filter(Objects::nonNull).onClose(() -> {
            try {
                reader.close();
            } catch (IOException e) {
                LOG.debug("Cannot close {}: {}", file, e.getMessage());
            }
            if (unreadable[0] > 0) {
                LOG.warn("WARNING: {} lines of {} are not whole records (a run cut off mid-line); skipped",
                        unreadable[0], file);
            }
        });
    }
}
