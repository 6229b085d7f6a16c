package io.github.s3migration;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Deletes a legacy object only when all of these hold, and names the rule that kept each object it keeps:
 * <ol>
 * <li>no row holds its key: not in the migration's own column, nor in any column of migration.cleanup.referenced-by;
 * <li>its target object exists, with the same size and ETag;
 * <li>an outcome record says its row was migrated (copied or found in place, and updated), the last time at least
 * migration.cleanup.min-age-hours ago.
 * </ol>
 * The legacy prefix is listed a page of 1,000 at a time, beside a listing of the target prefix (target keys sort as
 * their legacy keys do, the prefix aside); each page is one query and one DeleteObjects request, so memory stays
 * flat. First, the legacy keys that rows hold (one scan of each referencing column) and the outcome records of every
 * run go into temporary tables of the cleanup's database session, where each page looks its keys up in one query.
 * Nothing outside the legacy prefix is ever listed or deleted.
 */
final class LegacyCleanup {

    private static final Logger LOG = LoggerFactory.getLogger(LegacyCleanup.class);
    /** Objects a page: also the most keys one DeleteObjects request takes. */
    private static final int PAGE = 1_000;
    private static final int SHOWN_WITHOUT_VERBOSE = 10;
    private static final String MIGRATION_TIMES = "pg_temp.migration_cleanup_times";
    private static final String REFERENCES = "pg_temp.migration_cleanup_references";

    /**
     * How many objects each rule kept; what was deleted (or would be), and what could not be.
     *
     * @param stopped the cleanup stopped before the end of the listing (S3 or the database failing for good)
     */
    record Counts(long listed, long deleted, long referenced, long targetMissing, long targetDiffers, long noRecord,
            long tooYoung, long failed, boolean stopped) {

        long kept() {
            return referenced + targetMissing + targetDiffers + noRecord + tooYoung;
        }
    }

    private final JobBeans job;
    private final MigrationSettings settings;
    private final S3Client s3;
    private final List<ColumnReference> referencing = new ArrayList<>();
    private final Duration minAge;
    private final boolean verbose;
    private long listed;
    private long deleted;
    private long referenced;
    private long targetMissing;
    private long targetDiffers;
    private long noRecord;
    private long tooYoung;
    private long failed;
    private boolean stopped;

    LegacyCleanup(JobBeans job) {
        this.job = job;
        this.settings = job.settings();
        this.s3 = job.s3();
        referencing.add(new ColumnReference(settings.table(), settings.keyColumn()));
        referencing.addAll(job.options().cleanup().referencedBy());
        this.minAge = Duration.ofHours(job.options().cleanup().minAgeHours());
        this.verbose = job.options().verbose();
    }

    /** @param delete false: only count what would be deleted */
    Counts run(boolean delete) throws SQLException {
        Instant migratedBy = Instant.now().minus(minAge);
        try (Connection connection = job.dataSource().getConnection()) {
            loadReferences(connection);
            loadMigrationTimes(connection);
            ListedObjects legacy = new ListedObjects(s3, settings.sourceBucket(), settings.sourcePrefix());
            ListingWalk targets = new ListingWalk(s3, settings.targetBucket(), settings.targetPrefix());
            List<S3Object> page = new ArrayList<>(PAGE);
            try {
                while (legacy.hasNext()) {
                    page.add(legacy.next());
                    if (page.size() == PAGE || !legacy.hasNext()) {
                        cleanPage(connection, page, targets, migratedBy, delete);
                        page.clear();
                    }
                }
            } catch (SQLException | SdkException e) {
                if (deleted == 0 || !delete) {
                    throw e;
                }
                stopped = true;
                LOG.error("ERROR: the cleanup stopped after {} objects were deleted: {}; run it again to carry on",
                        deleted, MigrationApplication.describe(e));
            }
            try (Statement statement = connection.createStatement()) {
                statement.execute("DROP TABLE " + MIGRATION_TIMES + ", " + REFERENCES);
            }
        }
        Counts counts = new Counts(listed, deleted, referenced, targetMissing, targetDiffers, noRecord, tooYoung, failed,
                stopped);
        LOG.info("Cleanup of {}/{}: {} legacy objects listed; {} {}; {} kept: {} still referenced by a row, {} without"
                + " a target object, {} whose target object differs, {} without an outcome record of their row's"
                + " migration, {} migrated less than {} hours ago", settings.sourceBucket(), settings.sourcePrefix(),
                listed, deleted, delete ? "deleted" : "would be deleted (migration.cleanup.execute=true deletes them)",
                counts.kept(), referenced, targetMissing, targetDiffers, noRecord, tooYoung, minAge.toHours());
        if (failed > 0) {
            LOG.warn("WARNING: {} legacy objects could not be deleted (dead letters); the next cleanup tries them"
                    + " again", failed);
        }
        return counts;
    }

    /**
     * The last time each legacy key's row was migrated, by every run whose records are under migration.outcome-dir,
     * into a temporary table of this connection.
     */
    private void loadMigrationTimes(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS " + MIGRATION_TIMES);
            statement.execute("CREATE TEMPORARY TABLE migration_cleanup_times"
                    + " (legacy_key text NOT NULL, migrated_at timestamptz NOT NULL)");
        }
        Path directory = Path.of(job.options().outcomeDir());
        List<Path> files = OutcomeRecords.files(directory);
        long[] records = new long[1];
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + MIGRATION_TIMES
                + " SELECT k, CAST(t AS timestamptz) FROM unnest(CAST(? AS text[]), CAST(? AS text[])) AS v(k, t)")) {
            List<String> keys = new ArrayList<>(PAGE);
            List<String> times = new ArrayList<>(PAGE);
            for (Path file : files) {
                try (Stream<OutcomeRecords.Outcome> outcomes = OutcomeRecords.read(file)) {
                    outcomes.filter(record -> record.migratedRowOf(settings)).forEach(record -> {
                        keys.add(record.oldKey());
                        times.add(record.time());
                        records[0]++;
                        if (keys.size() == PAGE) {
                            insert(connection, insert, keys, times);
                        }
                    });
                }
            }
            insert(connection, insert, keys, times);
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE INDEX ON " + MIGRATION_TIMES + " (legacy_key)");
            statement.execute("ANALYZE " + MIGRATION_TIMES);
        }
        LOG.info("{} outcome records of migrated rows read from {} files under {}", records[0], files.size(),
                directory.toAbsolutePath());
    }

    private static void insert(Connection connection, PreparedStatement insert, List<String> keys, List<String> times) {
        if (keys.isEmpty()) {
            return;
        }
        try {
            insert.setArray(1, connection.createArrayOf("text", keys.toArray()));
            insert.setArray(2, connection.createArrayOf("text", times.toArray()));
            insert.executeUpdate();
        } catch (SQLException e) {
            throw new InvalidConfigurationException("Cannot read the outcome records into a temporary table: "
                    + e.getMessage());
        }
        keys.clear();
        times.clear();
    }

    private void cleanPage(Connection connection, List<S3Object> page, ListingWalk targets, Instant migratedBy,
            boolean delete) throws SQLException {
        List<String> keys = page.stream().map(S3Object::key).toList();
        Map<String, KeyFacts> facts = keyFacts(connection, keys);
        List<S3Object> deletable = new ArrayList<>();
        List<OutcomeRecords.Outcome> records = new ArrayList<>();
        String time = Instant.now().toString();
        for (S3Object legacy : page) {
            listed++;
            String key = legacy.key();
            String targetKey = settings.targetPrefix() + key.substring(settings.sourcePrefix().length());
            S3Object target = targets.find(targetKey);
            ColumnReference referencedBy = facts.get(key).referencedBy();
            Instant migrated = facts.get(key).migratedAt();
            String reason;
            if (referencedBy != null) {
                referenced++;
                reason = "still referenced by " + referencedBy;
            } else if (target == null) {
                targetMissing++;
                reason = "no target object " + settings.targetBucket() + "/" + targetKey;
            } else if (target.size().longValue() != legacy.size().longValue()
                    // Stricter than TargetCheck, which takes the size alone for objects uploaded in parts: a delete
                    // cannot be undone, so only an equal ETag is proof enough.
                    || !String.valueOf(target.eTag()).equals(String.valueOf(legacy.eTag()))) {
                targetDiffers++;
                reason = "the target object differs: size " + target.size() + " (legacy " + legacy.size()
                        + "), ETag " + target.eTag() + " (legacy " + legacy.eTag() + ")";
            } else if (migrated == null) {
                noRecord++;
                reason = "no outcome record of its row's migration";
            } else if (migrated.isAfter(migratedBy)) {
                tooYoung++;
                reason = "migrated at " + migrated + ", less than " + minAge.toHours() + " hours ago";
            } else {
                deletable.add(legacy);
                continue;
            }
            if (verbose || referenced + targetMissing + targetDiffers + noRecord + tooYoung <= SHOWN_WITHOUT_VERBOSE) {
                LOG.info("* kept {}/{}: {}", settings.sourceBucket(), key, reason);
            }
            records.add(job.outcomes().outcome(time, null, key, targetKey, OutcomeRecords.KEPT, false,
                    source(legacy), reason));
        }
        if (delete) {
            records.addAll(delete(deletable, time));
        } else {
            deleted += deletable.size();
            if (verbose) {
                deletable.forEach(legacy -> LOG.info("* would delete {}/{}", settings.sourceBucket(), legacy.key()));
            }
        }
        job.outcomes().write(records);
    }

    /**
     * The legacy keys rows hold, in the migration's column and each column of migration.cleanup.referenced-by, into a
     * temporary table of this connection: one scan of each column, whatever its indexes, instead of one per page.
     */
    private void loadReferences(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS " + REFERENCES);
            statement.execute("CREATE TEMPORARY TABLE migration_cleanup_references"
                    + " (legacy_key text NOT NULL, referencing_column int NOT NULL)");
        }
        long keys = 0;
        for (int i = 0; i < referencing.size(); i++) {
            ColumnReference column = referencing.get(i);
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + REFERENCES
                    + " SELECT DISTINCT " + column.sqlColumn() + ", ? FROM " + column.sqlTable()
                    + " WHERE starts_with(" + column.sqlColumn() + ", ?)")) {
                insert.setInt(1, i);
                insert.setString(2, settings.sourcePrefix());
                keys += insert.executeUpdate();
            } catch (SQLException e) {
                throw new InvalidConfigurationException("Cannot look for legacy keys in " + column + ": "
                        + e.getMessage());
            }
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE INDEX ON " + REFERENCES + " (legacy_key)");
            statement.execute("ANALYZE " + REFERENCES);
        }
        LOG.info("{} legacy keys are held by rows of {}", keys, referencing.stream().map(ColumnReference::toString)
                .collect(Collectors.joining(", ")));
    }

    /**
     * For each of these keys that has any: the first column holding it (the migration's own first), and the last time
     * an outcome record says its row was migrated. One query for the page.
     */
    private Map<String, KeyFacts> keyFacts(Connection connection, List<String> keys) throws SQLException {
        Map<String, KeyFacts> facts = new HashMap<>();
        try (PreparedStatement query = connection.prepareStatement("SELECT k.key,"
                + " (SELECT min(referencing_column) FROM " + REFERENCES + " r WHERE r.legacy_key = k.key),"
                + " (SELECT max(migrated_at) FROM " + MIGRATION_TIMES + " m WHERE m.legacy_key = k.key)"
                + " FROM unnest(CAST(? AS text[])) AS k(key)")) {
            query.setArray(1, connection.createArrayOf("text", keys.toArray()));
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    int column = result.getInt(2);
                    ColumnReference referencedBy = result.wasNull() ? null : referencing.get(column);
                    Timestamp migratedAt = result.getTimestamp(3);
                    facts.put(result.getString(1),
                            new KeyFacts(referencedBy, migratedAt == null ? null : migratedAt.toInstant()));
                }
            }
        }
        return facts;
    }

    /**
     * @param referencedBy null: no row holds the key
     * @param migratedAt   null: no record of its row's migration
     */
    private record KeyFacts(ColumnReference referencedBy, Instant migratedAt) {
    }

    /** One DeleteObjects request for the page; each key it could not delete gets a dead letter. */
    private List<OutcomeRecords.Outcome> delete(List<S3Object> objects, String time) {
        List<OutcomeRecords.Outcome> records = new ArrayList<>(objects.size());
        if (objects.isEmpty()) {
            return records;
        }
        Map<String, S3Error> errors = new HashMap<>();
        try {
            List<ObjectIdentifier> identifiers = objects.stream()
                    .map(object -> {
                        // The listing was of the prefix; checked again right before the only delete the job sends.
                        if (!object.key().startsWith(settings.sourcePrefix())) {
                            throw new IllegalStateException("Refusing to delete " + object.key()
                                    + ": it is not under the legacy prefix");
                        }
                        return ObjectIdentifier.builder().key(object.key()).build();
                    }).toList();
            DeleteObjectsResponse response = TransientS3Failures.retried(() -> s3.deleteObjects(b -> b
                    .bucket(settings.sourceBucket()).delete(d -> d.objects(identifiers).quiet(true))));
            response.errors().forEach(error -> errors.put(error.key(), error));
        } catch (SdkException e) {
            String message = MigrationApplication.describe(e);
            objects.forEach(object -> errors.put(object.key(),
                    S3Error.builder().key(object.key()).code(e.getClass().getSimpleName()).message(message).build()));
        }
        for (S3Object object : objects) {
            String key = object.key();
            String targetKey = settings.targetPrefix() + key.substring(settings.sourcePrefix().length());
            S3Error error = errors.get(key);
            if (error != null) {
                failed++;
                String reason = error.code() + ": " + error.message();
                LOG.warn("WARNING: could not delete {}/{}: {}", settings.sourceBucket(), key, reason);
                writeLetter(new DeadLetters.CleanupLetter(settings.sourceBucket(), key, error.code(), error.message(),
                        time, job.run().runId()));
                records.add(job.outcomes().outcome(time, null, key, targetKey, OutcomeRecords.DEAD_LETTERED, false,
                        source(object), reason));
            } else {
                deleted++;
                if (verbose) {
                    LOG.info("* deleted {}/{}", settings.sourceBucket(), key);
                }
                resolveLetter(key);
                records.add(job.outcomes().outcome(time, null, key, targetKey, OutcomeRecords.DELETED, false,
                        source(object), null));
            }
        }
        return records;
    }

    private void writeLetter(DeadLetters.CleanupLetter letter) {
        try {
            job.deadLetters().write(letter);
        } catch (IOException e) {
            LOG.error("ERROR: cannot write the dead letter of {}: {}", letter.key(), e.getMessage());
        }
    }

    private void resolveLetter(String key) {
        try {
            job.deadLetters().cleanupResolved(key);
        } catch (IOException e) {
            LOG.warn("WARNING: {} is deleted but its dead letter could not be removed: {}", key, e.getMessage());
        }
    }

    private static RowMigration.SourceObject source(S3Object legacy) {
        return new RowMigration.SourceObject(legacy.size(), legacy.eTag());
    }
}
