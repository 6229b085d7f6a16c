package io.github.s3migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

import javax.sql.DataSource;

/**
 * How the legacy rows spread over the ids, for a shard plan: every legacy id of a table of up to a million rows, or of
 * a sample of its pages (PostgreSQL's TABLESAMPLE SYSTEM reads a share of the table's pages, not all of them).
 *
 * @param sortedIds  the legacy ids read, ascending
 * @param rowsPerId  how many legacy rows each id read stands for (1 when all were read)
 */
record LegacyIdSample(long[] sortedIds, double rowsPerId) {

    private static final long READ_ALL_UP_TO = 1_000_000;
    private static final long SAMPLED_ROWS = 200_000;
    /** Slices are uneven when the fullest would hold this many times its equal share of the legacy rows. */
    private static final double UNEVEN = 1.5;
    /** Below this many ids read per shard, a sample says too little to move the bounds. */
    private static final int ENOUGH_PER_SHARD = 20;

    static LegacyIdSample read(DataSource dataSource, MigrationSettings settings) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            double rows = estimatedRows(connection, settings);
            double percent = rows <= READ_ALL_UP_TO ? 100 : 100.0 * SAMPLED_ROWS / rows;
            String sample = percent >= 100 ? ""
                    : " TABLESAMPLE SYSTEM (" + String.format(Locale.ROOT, "%.6f", percent) + ") REPEATABLE (0)";
            String sql = "SELECT " + settings.sqlIdColumn() + " FROM " + settings.sqlTable() + sample
                    + " WHERE starts_with(" + settings.sqlKeyColumn() + ", ?)";
            try (PreparedStatement query = connection.prepareStatement(sql)) {
                query.setFetchSize(10_000);
                query.setString(1, settings.sourcePrefix());
                connection.setAutoCommit(false);
                long[] ids = new long[1024];
                int count = 0;
                try (ResultSet result = query.executeQuery()) {
                    while (result.next()) {
                        if (count == ids.length) {
                            ids = Arrays.copyOf(ids, count * 2);
                        }
                        ids[count++] = result.getLong(1);
                    }
                } finally {
                    connection.commit();
                    connection.setAutoCommit(true);
                }
                long[] sorted = Arrays.copyOf(ids, count);
                Arrays.sort(sorted);
                return new LegacyIdSample(sorted, percent >= 100 ? 1 : 100 / percent);
            }
        }
    }

    /** The planner's row estimate; negative for a table never analyzed. */
    private static double estimatedRows(Connection connection, MigrationSettings settings) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT reltuples FROM pg_class WHERE oid = CAST(? AS regclass)")) {
            query.setString(1, settings.sqlTable());
            try (ResultSet result = query.executeQuery()) {
                return result.next() ? result.getDouble(1) : -1;
            }
        }
    }

    boolean sampled() {
        return rowsPerId != 1;
    }

    /** The legacy rows in each shard's slice (estimated from a sample). */
    long[] legacyRowsPerShard(List<Shard> plan) {
        return plan.stream().mapToLong(shard -> Math.round(rowsPerId * (idsAtOrBelow(shard.lastId())
                - (shard.firstId() == Long.MIN_VALUE ? 0 : idsAtOrBelow(shard.firstId() - 1))))).toArray();
    }

    private int idsAtOrBelow(long id) {
        int found = Arrays.binarySearch(sortedIds, id);
        return found >= 0 ? found + 1 : -found - 1;
    }

    /** Whether the fullest slice of this plan would hold far more than its share of the legacy rows. */
    boolean uneven(List<Shard> plan) {
        if (plan.size() < 2 || sortedIds.length < ENOUGH_PER_SHARD * plan.size()) {
            return false;
        }
        long fullest = Arrays.stream(legacyRowsPerShard(plan)).max().orElse(0);
        return fullest > UNEVEN * rowsPerId * sortedIds.length / plan.size();
    }

    /** Ids that split the legacy rows into equal shares: where slices 1 to count - 1 start. */
    List<Long> equalShareBounds(int count) {
        return IntStream.range(1, count).mapToObj(slice -> sortedIds[(int) ((long) slice * sortedIds.length / count)])
                .toList();
    }
}
