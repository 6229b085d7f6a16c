package io.github.s3migration;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import software.amazon.awssdk.services.s3.S3Client;

/**
 * The end-to-end comparison's minimal client that does the job's work and nothing more: one SELECT of the legacy rows,
 * their objects copied server-side with {@code migration.parallelism} requests in flight, and the rows whose copies
 * are done updated {@code migration.batch-size} at a time by one guarded, batched UPDATE
 * ({@code SET key = new WHERE id = ? AND key = old}), as the job updates them. No existence check, no status, no
 * retries, no Camel. Takes the job's own {@code -Dmigration.*} properties, the table, bucket and prefix names
 * included; prints "files copied N, rows updated M" once a second; exits 1 unless every row was copied and updated.
 */
public final class CopyAndUpdateClient {

    private record Row(long id, String key) {
    }

    private CopyAndUpdateClient() {
    }

    public static void main(String[] args) throws Exception {
        String table = property("migration.table");
        String idColumn = property("migration.id-column");
        String keyColumn = property("migration.key-column");
        ServerSideCopies copies = new ServerSideCopies(property("migration.source.bucket"),
                property("migration.source.prefix"), property("migration.target.bucket"),
                property("migration.target.prefix"));
        int parallelism = Integer.parseInt(property("migration.parallelism"));
        int batchSize = Integer.parseInt(property("migration.batch-size"));
        String httpClient = System.getProperty("migration.s3.http-client", "crt");

        try (Connection database = DriverManager.getConnection(property("migration.db.url"),
                property("migration.db.user"), System.getProperty("migration.db.password", ""))) {
            Queue<Row> rows = new ConcurrentLinkedQueue<>();
            try (PreparedStatement select = database.prepareStatement("SELECT " + idColumn + ", " + keyColumn
                    + " FROM " + table + " WHERE starts_with(" + keyColumn + ", ?) ORDER BY " + idColumn)) {
                select.setString(1, copies.sourcePrefix());
                try (ResultSet result = select.executeQuery()) {
                    while (result.next()) {
                        rows.add(new Row(result.getLong(1), result.getString(2)));
                    }
                }
            }
            int legacyRows = rows.size();
            System.out.println("Copying " + legacyRows + " objects and updating their rows with " + httpClient + ", "
                    + parallelism + " requests in flight, batches of " + batchSize);
            Updates updates = new Updates(database, "UPDATE " + table + " SET " + keyColumn + " = ? WHERE " + idColumn
                    + " = ? AND " + keyColumn + " = ?", batchSize, copies);
            ServerSideCopies.printEverySecond(() -> "files copied " + copies.copied() + ", rows updated "
                    + updates.updated());
            try (S3Client s3 = ServerSideCopies.configure(S3Client.builder(), property("migration.s3.endpoint"),
                    property("migration.s3.region"), property("migration.s3.access-key"),
                    property("migration.s3.secret-key")).httpClientBuilder(
                            ServerSideCopies.httpClient(httpClient, parallelism)).build()) {
                copies.copyAll(s3, rows, Row::key, updates::add, parallelism);
            } finally {
                updates.finish();
            }
            System.out.println("Copy and update finished: " + copies.copied() + " files copied, " + updates.updated()
                    + " rows updated of " + legacyRows + " legacy rows");
            System.exit(copies.copied() == legacyRows && updates.updated() == legacyRows ? 0 : 1);
        }
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        if (value == null) {
            throw new IllegalArgumentException("Missing -D" + name);
        }
        return value;
    }

    /**
     * Rows whose copies are done, gathered into batches that one thread of its own writes, each in a transaction, so
     * that the copies never wait on the database.
     */
    private static final class Updates {

        private final Connection database;
        private final String sql;
        private final int batchSize;
        private final ServerSideCopies copies;
        private final ExecutorService writer = Executors.newSingleThreadExecutor();
        private final List<Future<?>> written = new ArrayList<>();
        private final AtomicLong updated = new AtomicLong();
        private List<Row> batch = new ArrayList<>();

        Updates(Connection database, String sql, int batchSize, ServerSideCopies copies) throws SQLException {
            database.setAutoCommit(false);
            this.database = database;
            this.sql = sql;
            this.batchSize = batchSize;
            this.copies = copies;
        }

        synchronized void add(Row row) {
            batch.add(row);
            if (batch.size() == batchSize) {
                submit();
            }
        }

        long updated() {
            return updated.get();
        }

        /** Writes the last, partial batch, then waits for every batch to be written. */
        void finish() throws InterruptedException, ExecutionException {
            synchronized (this) {
                if (!batch.isEmpty()) {
                    submit();
                }
            }
            writer.shutdown();
            for (Future<?> batchWritten : written) {
                batchWritten.get();
            }
        }

        private void submit() {
            List<Row> full = batch;
            batch = new ArrayList<>();
            written.add(writer.submit(() -> {
                write(full);
                return null;
            }));
        }

        private void write(List<Row> rows) throws SQLException {
            try (PreparedStatement update = database.prepareStatement(sql)) {
                for (Row row : rows) {
                    update.setString(1, copies.targetKey(row.key()));
                    update.setLong(2, row.id());
                    update.setString(3, row.key());
                    update.addBatch();
                }
                for (int count : update.executeBatch()) {
                    updated.addAndGet(Math.max(count, 0));
                }
            }
            database.commit();
        }
    }
}
