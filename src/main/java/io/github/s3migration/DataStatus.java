package io.github.s3migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import javax.sql.DataSource;

import io.github.s3migration.ObjectCounter.ObjectCount;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Rows per kind (exact) and objects under the source and target prefixes (up to a limit), printed before and after a
 * run in the same format so they compare. Only the two prefixes are listed, in parallel slices whose bounds are keys
 * sampled from the rows, so the status costs a fraction of the migration whatever else the buckets hold. A shard
 * counts the rows of its slice only and lists no bucket: N shards would list the same buckets N times.
 *
 * @param shard the slice whose rows are counted; empty: the whole table
 */
public record DataStatus(
        MigrationSettings settings, Optional<Shard> shard, ObjectCount source, ObjectCount target,
        long legacyRows, long productionRows, long totalRows) {

    /** Objects a listing thread takes on per slice: a listing page, so that slices spread over the threads. */
    private static final long OBJECTS_PER_SLICE = 1_000;
    /** Keys sampled per slice, to place the slice bounds near equal shares of the keys. */
    private static final int SAMPLES_PER_SLICE = 16;
    /** Up to this many rows under the prefixes, all of their keys are read rather than a sample. */
    private static final long READ_ALL_KEYS_UP_TO = 100_000;

    /**
     * @param maxListedObjects stop counting past this many objects under a prefix (0: count no objects)
     * @param whyRowsOnly      why no objects are counted (the job is stopping, ...); null to count them
     */
    static DataStatus measure(DataSource dataSource, S3Client s3, MigrationSettings settings, Optional<Shard> shard,
            long maxListedObjects, String whyRowsOnly) throws SQLException, InterruptedException {
        long[] rows = countRows(dataSource, settings, shard);
        String rowsOnly = whyRowsOnly != null ? whyRowsOnly
                : shard.isPresent() ? "a shard counts the rows of its slice only"
                : maxListedObjects == 0 ? "migration.status.max-listed-objects=0" : null;
        if (rowsOnly != null) {
            ObjectCount notCounted = ObjectCount.notCounted(rowsOnly);
            return new DataStatus(settings, shard, notCounted, notCounted, rows[0], rows[1], rows[2]);
        }
        int threads = Math.max(4, Math.min(32, settings.parallelism()));
        ExecutorService listings = Executors.newFixedThreadPool(threads);
        try {
            ObjectCounter counter = new ObjectCounter(s3, listings, maxListedObjects);
            // Objects under either prefix are, mostly, those of the rows under either one: legacy objects stay when
            // their rows move on. So both prefixes are cut at the same key suffixes, sampled from both kinds of rows.
            long expected = rows[0] + rows[1];
            List<String> suffixes = splitSuffixes(dataSource, settings, expected, rows[2], 4 * threads);
            // Both prefixes at once: their slices share the threads.
            ObjectCounter.PendingCount source = counter.count(settings.sourceBucket(), settings.sourcePrefix(),
                    prefixed(settings.sourcePrefix(), suffixes), expected);
            ObjectCounter.PendingCount target = counter.count(settings.targetBucket(), settings.targetPrefix(),
                    prefixed(settings.targetPrefix(), suffixes), expected);
            return new DataStatus(settings, shard, source.await(), target.await(), rows[0], rows[1], rows[2]);
        } finally {
            listings.shutdownNow();
        }
    }

    private static List<String> prefixed(String prefix, List<String> suffixes) {
        return suffixes.stream().map(suffix -> prefix + suffix).toList();
    }

    /** Legacy, production and all rows (of the shard's slice). */
    private static long[] countRows(DataSource dataSource, MigrationSettings settings, Optional<Shard> shard)
            throws SQLException {
        String sql = "SELECT count(*) FILTER (WHERE starts_with(" + settings.sqlKeyColumn() + ", ?)),"
                + " count(*) FILTER (WHERE starts_with(" + settings.sqlKeyColumn() + ", ?)),"
                + " count(*) FROM " + settings.sqlTable() + " WHERE " + settings.sqlIdColumn() + " BETWEEN ? AND ?";
        try (Connection connection = dataSource.getConnection();
             PreparedStatement count = connection.prepareStatement(sql)) {
            count.setString(1, settings.sourcePrefix());
            count.setString(2, settings.targetPrefix());
            count.setLong(3, shard.map(Shard::firstId).orElse(Long.MIN_VALUE));
            count.setLong(4, shard.map(Shard::lastId).orElse(Long.MAX_VALUE));
            try (ResultSet result = count.executeQuery()) {
                result.next();
                return new long[] {result.getLong(1), result.getLong(2), result.getLong(3)};
            }
        }
    }

    /**
     * Key suffixes (after the legacy or production prefix) that cut the key range into about equal slices, from the
     * rows' keys (a sample of them in a large table).
     */
    private static List<String> splitSuffixes(DataSource dataSource, MigrationSettings settings, long rowsUnderPrefixes,
            long allRows, int maxSlices) throws SQLException {
        int slices = (int) Math.min(maxSlices, rowsUnderPrefixes / OBJECTS_PER_SLICE);
        if (slices <= 1) {
            return List.of();
        }
        // SYSTEM sampling reads a share of the table's pages, not all of them; more than needed, as pages cluster.
        double percent = Math.min(100, 100.0 * 4 * SAMPLES_PER_SLICE * slices / allRows);
        String sample = rowsUnderPrefixes <= READ_ALL_KEYS_UP_TO ? ""
                : " TABLESAMPLE SYSTEM (" + String.format(Locale.ROOT, "%.6f", percent) + ")";
        String key = settings.sqlKeyColumn();
        String sql = "SELECT " + key + " FROM " + settings.sqlTable() + sample + " WHERE starts_with(" + key + ", ?)"
                + " OR starts_with(" + key + ", ?)";
        List<String> suffixes = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement query = connection.prepareStatement(sql)) {
            query.setString(1, settings.sourcePrefix());
            query.setString(2, settings.targetPrefix());
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    String value = result.getString(1);
                    suffixes.add(value.substring((value.startsWith(settings.sourcePrefix()) ? settings.sourcePrefix()
                            : settings.targetPrefix()).length()));
                }
            }
        }
        suffixes.sort(S3KeyOrder.COMPARATOR);
        List<String> bounds = new ArrayList<>();
        for (int slice = 1; slice < slices && !suffixes.isEmpty(); slice++) {
            String bound = suffixes.get((int) ((long) slice * suffixes.size() / slices));
            if (bounds.isEmpty() || !bounds.get(bounds.size() - 1).equals(bound)) {
                bounds.add(bound);
            }
        }
        return bounds;
    }

    public long unexpectedRows() {
        return totalRows - legacyRows - productionRows;
    }

    public List<String> lines() {
        ObjectCount total = source.plus(target);
        return List.of(
                shard.map(slice -> "Current data status of " + slice.describe() + ":").orElse("Current data status:"),
                objectsLine(source, settings.sourceBucket(), settings.sourcePrefix()),
                objectsLine(target, settings.targetBucket(), settings.targetPrefix()),
                total.counted() ? "* " + total.describe() + " total objects found"
                        : "* total objects not counted (" + total.notCountedBecause() + ")",
                "* " + legacyRows + " legacy entries in the database",
                "* " + productionRows + " production entries in the database",
                "* " + unexpectedRows() + " unexpected entries in the database",
                "* " + totalRows + " total entries in the database");
    }

    private static String objectsLine(ObjectCount objects, String bucket, String prefix) {
        return objects.counted() ? "* " + objects.describe() + " objects in bucket " + bucket + " under " + prefix
                : "* objects in bucket " + bucket + " under " + prefix + " not counted (" + objects.notCountedBecause()
                        + ")";
    }
}
