package io.github.s3migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import javax.sql.DataSource;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The rows that were legacy once the dataset was prepared, kept in a table of their own: counts what a run did with
 * them, and undoes it (their keys back, and the target objects made from them deleted) while the production rows and
 * their objects, under the same target prefix, stay as they were.
 */
final class OriginalLegacyRows {

    private static final int DELETE_THREADS = 64;

    private final DataSource dataSource;
    private final S3Client s3;
    private final MigrationSettings settings;
    private final String snapshot;
    /** Where a run puts their objects. */
    private final Set<String> targetKeys = new HashSet<>();

    private OriginalLegacyRows(DataSource dataSource, S3Client s3, MigrationSettings settings) {
        this.dataSource = dataSource;
        this.s3 = s3;
        this.settings = settings;
        this.snapshot = settings.table() + "_bench_legacy";
    }

    /** Remembers the rows legacy now. */
    static OriginalLegacyRows remember(DataSource dataSource, S3Client s3, MigrationSettings settings)
            throws SQLException {
        OriginalLegacyRows rows = new OriginalLegacyRows(dataSource, s3, settings);
        rows.copyLegacyRows();
        return rows;
    }

    private void copyLegacyRows() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("DROP TABLE IF EXISTS " + snapshot);
                statement.execute("CREATE TABLE " + snapshot + " (id bigint PRIMARY KEY, key text NOT NULL)");
            }
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + snapshot + " SELECT "
                    + settings.idColumn() + ", " + settings.keyColumn() + " FROM " + settings.table()
                    + " WHERE starts_with(" + settings.keyColumn() + ", ?)")) {
                insert.setString(1, settings.sourcePrefix());
                insert.executeUpdate();
            }
            try (Statement select = connection.createStatement();
                 ResultSet keys = select.executeQuery("SELECT key FROM " + snapshot)) {
                while (keys.next()) {
                    targetKeys.add(settings.targetPrefix()
                            + keys.getString(1).substring(settings.sourcePrefix().length()));
                }
            }
        }
    }

    long count() {
        return targetKeys.size();
    }

    /** Those whose row now holds its target key. */
    long migrated() throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement count = connection.prepareStatement("SELECT count(*) FROM " + settings.table()
                     + " t JOIN " + snapshot + " s ON t." + settings.idColumn() + " = s.id WHERE t."
                     + settings.keyColumn() + " = ? || substr(s.key, ?)")) {
            count.setString(1, settings.targetPrefix());
            count.setInt(2, settings.sourcePrefix().length() + 1);
            try (ResultSet result = count.executeQuery()) {
                result.next();
                return result.getLong(1);
            }
        }
    }

    /** Those whose object is now at its target key. */
    long copied() {
        return copiedKeys().size();
    }

    /** Each of them legacy again, with no object at its target key. */
    void restore() throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            try (Statement statement = connection.createStatement()) {
                statement.executeUpdate("UPDATE " + settings.table() + " t SET " + settings.keyColumn()
                        + " = s.key FROM " + snapshot + " s WHERE t." + settings.idColumn() + " = s.id AND t."
                        + settings.keyColumn() + " IS DISTINCT FROM s.key");
                statement.execute("VACUUM ANALYZE " + settings.table());
            }
        }
        // One request per object: S3Proxy refuses DeleteObjects as today's SDK signs it.
        ExecutorService deleters = Executors.newFixedThreadPool(DELETE_THREADS);
        try {
            List<Future<?>> deletes = copiedKeys().stream().<Future<?>>map(key -> deleters.submit(
                    () -> s3.deleteObject(b -> b.bucket(settings.targetBucket()).key(key)))).toList();
            for (Future<?> delete : deletes) {
                delete.get();
            }
        } finally {
            deleters.shutdown();
        }
    }

    private List<String> copiedKeys() {
        return s3.listObjectsV2Paginator(b -> b.bucket(settings.targetBucket()).prefix(settings.targetPrefix()))
                .contents().stream().map(S3Object::key).filter(targetKeys::contains).toList();
    }
}
