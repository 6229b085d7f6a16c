package io.github.s3migration;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;

import javax.sql.DataSource;

/** Which of some rows are still legacy rows of this migration, asked a page of ids at a time. */
final class LegacyRowIds implements DeadLetters.LegacyRows {

    private static final int PAGE = 10_000;

    private final DataSource dataSource;
    private final MigrationSettings settings;

    LegacyRowIds(DataSource dataSource, MigrationSettings settings) {
        this.dataSource = dataSource;
        this.settings = settings;
    }

    @Override
    public long[] stillLegacy(long[] sortedIds) {
        String sql = "SELECT " + settings.sqlIdColumn() + " FROM " + settings.sqlTable() + " WHERE "
                + settings.sqlIdColumn() + " = ANY(?) AND starts_with(" + settings.sqlKeyColumn() + ", ?) ORDER BY "
                + settings.sqlIdColumn();
        long[] legacy = new long[sortedIds.length];
        int count = 0;
        try (Connection connection = dataSource.getConnection(); PreparedStatement query = connection.prepareStatement(sql)) {
            for (int from = 0; from < sortedIds.length; from += PAGE) {
                Long[] page = Arrays.stream(sortedIds, from, Math.min(sortedIds.length, from + PAGE)).boxed()
                        .toArray(Long[]::new);
                Array ids = connection.createArrayOf("bigint", page);
                query.setArray(1, ids);
                query.setString(2, settings.sourcePrefix());
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        legacy[count++] = rows.getLong(1);
                    }
                }
                ids.free();
            }
        } catch (SQLException e) {
            throw new InvalidConfigurationException("Cannot look up which dead-lettered rows are still legacy: "
                    + e.getMessage());
        }
        return Arrays.copyOf(legacy, count);
    }
}
