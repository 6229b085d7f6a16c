package io.github.s3migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

/** Checks that the configured table and columns exist and have the shape the routes' SQL relies on. */
final class TableCheck {

    private static final Set<String> INTEGER_TYPES = Set.of("int2", "int4", "int8");
    private static final String STRING_CATEGORY = "S";

    private TableCheck() {
    }

    static void check(DataSource dataSource, MigrationSettings settings) throws SQLException {
        String sql = "SELECT a.attname, t.typname, t.typcategory FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
                + " WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped";
        Map<String, String[]> columns = new HashMap<>();
        try (Connection connection = dataSource.getConnection(); PreparedStatement query = connection.prepareStatement(sql)) {
            query.setString(1, settings.table());
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    columns.put(rows.getString(1), new String[] {rows.getString(2), rows.getString(3)});
                }
            }
        }
        if (columns.isEmpty()) {
            throw new InvalidConfigurationException("Table " + settings.table() + " (migration.table) does not exist");
        }
        String[] id = column(columns, settings.idColumn(), "migration.id-column", settings);
        if (!INTEGER_TYPES.contains(id[0])) {
            throw new InvalidConfigurationException("Column " + settings.idColumn()
                    + " (migration.id-column) must be an integer key column, not " + id[0]);
        }
        String[] key = column(columns, settings.keyColumn(), "migration.key-column", settings);
        if (!STRING_CATEGORY.equals(key[1])) {
            throw new InvalidConfigurationException("Column " + settings.keyColumn()
                    + " (migration.key-column) must be a text column, not " + key[0]);
        }
    }

    /** Unquoted identifiers fold to lower case in PostgreSQL, as they do in the routes' SQL. */
    private static String[] column(Map<String, String[]> columns, String name, String key, MigrationSettings settings) {
        String[] type = columns.get(name.toLowerCase());
        if (type == null) {
            throw new InvalidConfigurationException("Column " + name + " (" + key + ") does not exist in table "
                    + settings.table());
        }
        return type;
    }
}
