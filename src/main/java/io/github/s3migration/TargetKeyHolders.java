package io.github.s3migration;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * No two rows on one object: before a page's objects are copied, the rows that already hold its target keys (a
 * production row the new application wrote, another legacy row with the same key) are looked up with one query on the
 * key column's index. A row whose target key another row holds is dead-lettered naming that row, and its copy never
 * replaces that row's object. Without an index on the key column the query would read the whole table for every
 * page: the check is then off, and the run says so once.
 */
public final class TargetKeyHolders {

    /** The page's target keys held by a row, with that row's id, from {@link #heldBy}. */
    public static final String PROPERTY = "targetKeyHolders";

    private static final Logger LOG = LoggerFactory.getLogger(TargetKeyHolders.class);

    private final DataSource dataSource;
    private final MigrationSettings settings;
    private volatile Boolean indexed;

    public TargetKeyHolders(DataSource dataSource, MigrationSettings settings) {
        this.dataSource = dataSource;
        this.settings = settings;
    }

    /**
     * The rows that hold the target keys of these polled rows, by target key: another row of the table that has the
     * key already, or else the first of these rows (by id) that maps to it. Empty when the check is off.
     */
    public Map<String, Long> heldBy(List<Map<String, Object>> rows) throws SQLException {
        Map<String, Long> holders = new HashMap<>();
        if (!indexed()) {
            return holders;
        }
        KeyMapping mapping = settings.keyMapping();
        Map<String, Long> firstOfPage = new HashMap<>();
        for (Map<String, Object> row : rows) {
            try {
                RowMigration planned = mapping.plan(row);
                firstOfPage.putIfAbsent(planned.targetKey(), planned.id());
            } catch (InvalidRowException | ClassCastException | NullPointerException e) {
                // This row goes to a dead letter with its reason when it is migrated on its own.
            }
        }
        if (firstOfPage.isEmpty()) {
            return holders;
        }
        String sql = "SELECT " + settings.sqlKeyColumn() + ", min(" + settings.sqlIdColumn() + ") FROM "
                + settings.sqlTable() + " WHERE " + settings.sqlKeyColumn() + " = ANY(?) GROUP BY 1";
        try (Connection connection = dataSource.getConnection(); PreparedStatement query = connection.prepareStatement(sql)) {
            Array keys = connection.createArrayOf("text", firstOfPage.keySet().toArray());
            query.setArray(1, keys);
            try (ResultSet held = query.executeQuery()) {
                while (held.next()) {
                    holders.put(held.getString(1), held.getLong(2));
                }
            }
            keys.free();
        }
        firstOfPage.forEach(holders::putIfAbsent);
        return holders;
    }

    /** Whether an index leads with the key column; looked up once, and said once when there is none. */
    private boolean indexed() throws SQLException {
        Boolean known = indexed;
        if (known != null) {
            return known;
        }
        String sql = "SELECT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
                + " AND a.attnum = i.indkey[0] WHERE i.indrelid = to_regclass(?) AND a.attname = ?"
                + " AND i.indpred IS NULL)";
        try (Connection connection = dataSource.getConnection(); PreparedStatement query = connection.prepareStatement(sql)) {
            query.setString(1, settings.sqlTable());
            query.setString(2, settings.keyColumn().toLowerCase(Locale.ROOT));
            try (ResultSet result = query.executeQuery()) {
                result.next();
                known = result.getBoolean(1);
            }
        }
        synchronized (this) {
            if (indexed == null && !known) {
                LOG.warn("WARNING: no index on {}({}): the check that no two rows end up on one object is off (it would"
                        + " read the whole table for every page); CREATE INDEX CONCURRENTLY ON {} ({}) turns it on",
                        settings.table(), settings.keyColumn(), settings.table(), settings.keyColumn());
            }
            indexed = known;
        }
        return known;
    }

    /** Another row already points at this row's target key. */
    static final class TargetKeyTakenException extends InvalidRowException {

        TargetKeyTakenException(RowMigration row, long holder) {
            super("row " + holder + " already points at the target key " + row.targetKey() + ": this row is left as"
                    + " it is, so that two rows never share one object and its copy never replaces row " + holder
                    + "'s");
        }
    }
}
