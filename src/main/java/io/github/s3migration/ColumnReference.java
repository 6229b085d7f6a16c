package io.github.s3migration;

import java.util.ArrayList;
import java.util.List;

/** A column of some table that may hold object keys: what the cleanup checks before it deletes a legacy object. */
public record ColumnReference(String table, String column) {

    /** The comma-separated [schema.]table.column names of the key, each checked as plain SQL identifiers. */
    static List<ColumnReference> list(Settings settings, String key) {
        List<ColumnReference> references = new ArrayList<>();
        for (String name : settings.text(key).split(",")) {
            String trimmed = name.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            int dot = trimmed.lastIndexOf('.');
            String table = dot < 0 ? "" : trimmed.substring(0, dot);
            String column = trimmed.substring(dot + 1);
            if (!Settings.isIdentifier(table, true) || !Settings.isIdentifier(column, false)) {
                throw new InvalidConfigurationException(key + " must list table.column names (plain SQL identifiers,"
                        + " comma-separated), not '" + trimmed + "'");
            }
            references.add(new ColumnReference(table, column));
        }
        return List.copyOf(references);
    }

    String sqlTable() {
        return MigrationSettings.quoted(table);
    }

    String sqlColumn() {
        return MigrationSettings.quoted(column);
    }

    @Override
    public String toString() {
        return table + "." + column;
    }
}
