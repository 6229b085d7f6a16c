package io.github.s3migration;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Puts the rows one run migrated back to their legacy keys, from that run's outcome records, a page of 1,000 at a
 * time: only where the legacy object still exists, and guarded like the migration's update ({@code WHERE id = ? AND
 * key = <its new key>}), so that a row changed since is left alone and reported. A row already back at its legacy key
 * (a rollback run twice) counts as rolled back.
 */
final class RunRollback {

    private static final Logger LOG = LoggerFactory.getLogger(RunRollback.class);
    private static final int PAGE = 1_000;
    private static final int SHOWN_WITHOUT_VERBOSE = 10;

    private final JobBeans job;
    private final MigrationSettings settings;
    private final String runId;
    private final AtomicBoolean listingFailureSaid = new AtomicBoolean();
    private long migrated;
    private long rolledBack;
    private long alreadyBack;
    private long changed;
    private long legacyMissing;

    RunRollback(JobBeans job, String runId) {
        this.job = job;
        this.settings = job.settings();
        this.runId = runId;
    }

    /**
     * @return the rows of the run that are left as they are (changed since, or their legacy object is gone), at least
     *     1 when the rollback stopped before the end (S3 or the database failing for good after some rows went back)
     */
    long run(Path records, boolean dryRun) throws SQLException {
        boolean stopped = false;
        try (Connection connection = job.dataSource().getConnection();
             Stream<OutcomeRecords.Outcome> outcomes = OutcomeRecords.read(records)) {
            List<OutcomeRecords.Outcome> page = new ArrayList<>(PAGE);
            Iterator<OutcomeRecords.Outcome> runRecords = outcomes
                    .filter(record -> record.migratedRowOf(settings)).iterator();
            try {
                while (runRecords.hasNext()) {
                    page.add(runRecords.next());
                    if (page.size() == PAGE || !runRecords.hasNext()) {
                        rollBackPage(connection, page, dryRun);
                        page.clear();
                    }
                }
            } catch (SQLException | SdkException e) {
                if (rolledBack == 0 || dryRun) {
                    throw e;
                }
                stopped = true;
                LOG.error("ERROR: the rollback stopped after {} rows went back: {}; run it again to carry on",
                        rolledBack, MigrationApplication.describe(e));
            }
        }
        LOG.info("Rollback of run {}: {} rows were migrated by it; {} {}, {} already back at their legacy keys; left"
                + " alone: {} changed since, {} whose legacy object no longer exists", runId, migrated, rolledBack,
                dryRun ? "would be rolled back (dry run)" : "rolled back", alreadyBack, changed, legacyMissing);
        return stopped ? Math.max(1, changed + legacyMissing) : changed + legacyMissing;
    }

    /** One page of the run's rows: each back at its legacy key, or left alone and said why. */
    private void rollBackPage(Connection connection, List<OutcomeRecords.Outcome> page, boolean dryRun)
            throws SQLException {
        migrated += page.size();
        Set<String> legacyObjects = existingLegacyObjects(page);
        List<OutcomeRecords.Outcome> candidates = new ArrayList<>();
        List<OutcomeRecords.Outcome> records = new ArrayList<>();
        String time = Instant.now().toString();
        for (OutcomeRecords.Outcome row : page) {
            if (legacyObjects.contains(row.oldKey())) {
                candidates.add(row);
            } else {
                legacyMissing++;
                leftAlone(row, "its legacy object " + settings.sourceBucket() + "/" + row.oldKey()
                        + " no longer exists");
                records.add(record(time, row, OutcomeRecords.LEGACY_OBJECT_MISSING, false,
                        "its legacy object no longer exists"));
            }
        }
        Set<Long> updated = updateGuarded(connection, candidates, dryRun);
        Map<Long, String> currentKeys = currentKeys(connection, candidates, updated);
        for (OutcomeRecords.Outcome row : candidates) {
            if (updated.contains(row.id())) {
                rolledBack++;
                records.add(record(time, row, OutcomeRecords.ROLLED_BACK, true, null));
            } else if (row.oldKey().equals(currentKeys.get(row.id()))) {
                alreadyBack++;
                records.add(record(time, row, OutcomeRecords.ROLLED_BACK, false, "already back at its legacy key"));
            } else {
                changed++;
                String current = currentKeys.containsKey(row.id()) ? "'" + currentKeys.get(row.id()) + "'"
                        : "gone (the row was deleted)";
                leftAlone(row, "changed since the migration: its key is " + current + ", not '" + row.newKey()
                        + "'");
                records.add(record(time, row, OutcomeRecords.CHANGED_MEANWHILE, false,
                        "changed since the migration"));
            }
        }
        job.outcomes().write(records);
    }

    private void leftAlone(OutcomeRecords.Outcome row, String why) {
        if (job.options().verbose() || changed + legacyMissing <= SHOWN_WITHOUT_VERBOSE) {
            LOG.info("* left alone: row {} ({}): {}", row.id(), row.newKey(), why);
        }
    }

    /** The rollback's record of a row: from its new key back to its old one. */
    private OutcomeRecords.Outcome record(String time, OutcomeRecords.Outcome row, String outcome, boolean updated,
            String reason) {
        return job.outcomes().outcome(time, row.id(), row.newKey(), row.oldKey(), outcome, updated,
                row.size() == null ? null : new RowMigration.SourceObject(row.size(), row.etag()), reason);
    }

    /** The page's legacy keys whose objects exist: one listing of their range, or a HEAD each if that is not known. */
    private Set<String> existingLegacyObjects(List<OutcomeRecords.Outcome> page) {
        List<String> keys = page.stream().map(OutcomeRecords.Outcome::oldKey).toList();
        Map<String, S3Object> listed = PageListing.listed(job.s3(), settings.sourceBucket(), keys, keys.size() + 1,
                listingFailureSaid);
        if (listed != null) {
            return listed.keySet();
        }
        Set<String> existing = new HashSet<>();
        for (String key : keys) {
            try {
                TransientS3Failures.retried(() -> job.s3().headObject(b -> b.bucket(settings.sourceBucket()).key(key)));
                existing.add(key);
            } catch (S3Exception e) {
                if (e.statusCode() != 404) {
                    throw e;
                }
            }
        }
        return existing;
    }

    /** The ids whose key is still the new one: updated back to the old one, or in a dry run only found. */
    private Set<Long> updateGuarded(Connection connection, List<OutcomeRecords.Outcome> rows, boolean dryRun)
            throws SQLException {
        Set<Long> ids = new HashSet<>();
        if (rows.isEmpty()) {
            return ids;
        }
        String pairs = "unnest(CAST(? AS bigint[]), CAST(? AS text[]), CAST(? AS text[])) AS v(id, new_key, old_key)";
        String guard = " WHERE t." + settings.sqlIdColumn() + " = v.id AND t." + settings.sqlKeyColumn() + " = v.new_key";
        String sql = dryRun
                ? "SELECT t." + settings.sqlIdColumn() + " FROM " + settings.sqlTable() + " AS t, " + pairs + guard
                : "UPDATE " + settings.sqlTable() + " AS t SET " + settings.sqlKeyColumn() + " = v.old_key FROM "
                        + pairs + guard + " RETURNING t." + settings.sqlIdColumn();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setArray(1, connection.createArrayOf("bigint", rows.stream().map(OutcomeRecords.Outcome::id)
                    .toArray()));
            statement.setArray(2, connection.createArrayOf("text", rows.stream().map(OutcomeRecords.Outcome::newKey)
                    .toArray()));
            statement.setArray(3, connection.createArrayOf("text", rows.stream().map(OutcomeRecords.Outcome::oldKey)
                    .toArray()));
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    ids.add(result.getLong(1));
                }
            }
        }
        return ids;
    }

    /** The keys now held by the rows that were not rolled back, to say why. */
    private Map<Long, String> currentKeys(Connection connection, List<OutcomeRecords.Outcome> rows, Set<Long> updated)
            throws SQLException {
        Map<Long, String> keys = new HashMap<>();
        Object[] ids = rows.stream().map(OutcomeRecords.Outcome::id).filter(id -> !updated.contains(id)).toArray();
        if (ids.length == 0) {
            return keys;
        }
        try (PreparedStatement query = connection.prepareStatement("SELECT " + settings.sqlIdColumn() + ", "
                + settings.sqlKeyColumn() + " FROM " + settings.sqlTable() + " WHERE " + settings.sqlIdColumn()
                + " = ANY(CAST(? AS bigint[]))")) {
            query.setArray(1, connection.createArrayOf("bigint", ids));
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    keys.put(result.getLong(1), result.getString(2));
                }
            }
        }
        return keys;
    }
}
