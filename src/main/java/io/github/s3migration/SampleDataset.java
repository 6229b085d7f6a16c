package io.github.s3migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import javax.sql.DataSource;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A simulated dataset: a fresh table of rows whose keys are a mix of legacy and production keys, each with its object
 * in the bucket the key belongs to, like the data the old tool's preparation script built.
 */
public final class SampleDataset {

    private static final int UPLOAD_THREADS = 16;
    private static final int INSERT_BATCH = 1_000;

    private final DataSource dataSource;
    private final S3Client s3;
    private final MigrationSettings settings;

    public SampleDataset(DataSource dataSource, S3Client s3, MigrationSettings settings) {
        this.dataSource = dataSource;
        this.s3 = s3;
        this.settings = settings;
    }

    /** Drops and re-creates the table, then adds {@code rows} rows and their objects; returns how many are legacy. */
    public int create(int rows, double legacyShare, long seed) throws Exception {
        recreateTable();
        Random random = new Random(seed);
        List<String> keys = new ArrayList<>(rows);
        int legacy = 0;
        for (int i = 1; i <= rows; i++) {
            boolean isLegacy = random.nextDouble() < legacyShare;
            String name = String.format("avatar-%09d.png", i);
            keys.add((isLegacy ? settings.sourcePrefix() : settings.targetPrefix()) + name);
            legacy += isLegacy ? 1 : 0;
        }
        insertRows(keys);
        uploadObjects(keys, random.nextLong());
        return legacy;
    }

    public void recreateTable() throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS " + settings.table());
            statement.execute("CREATE TABLE " + settings.table() + " (" + settings.idColumn()
                    + " bigserial PRIMARY KEY, " + settings.keyColumn() + " text)");
        }
    }

    /** Inserts one row per key, in order, so ids follow the list. */
    public void insertRows(List<String> keys) throws SQLException {
        String sql = "INSERT INTO " + settings.table() + " (" + settings.keyColumn() + ") VALUES (?)";
        try (Connection connection = dataSource.getConnection();
             PreparedStatement insert = connection.prepareStatement(sql)) {
            for (int i = 0; i < keys.size(); i++) {
                insert.setString(1, keys.get(i));
                insert.addBatch();
                if ((i + 1) % INSERT_BATCH == 0) {
                    insert.executeBatch();
                }
            }
            insert.executeBatch();
        }
    }

    /** Puts each key's object in the bucket its prefix belongs to; keys under neither prefix get no object. */
    public void uploadObjects(List<String> keys, long seed) throws Exception {
        ExecutorService uploads = Executors.newFixedThreadPool(UPLOAD_THREADS);
        try {
            Random random = new Random(seed);
            List<Future<?>> pending = new ArrayList<>();
            for (String key : keys) {
                String bucket = key.startsWith(settings.sourcePrefix()) ? settings.sourceBucket()
                        : key.startsWith(settings.targetPrefix()) ? settings.targetBucket() : null;
                if (bucket != null) {
                    byte[] content = new byte[1024 + random.nextInt(7 * 1024)];
                    random.nextBytes(content);
                    pending.add(uploads.submit(() -> s3.putObject(b -> b.bucket(bucket).key(key),
                            RequestBody.fromBytes(content))));
                }
            }
            for (Future<?> upload : pending) {
                upload.get();
            }
        } finally {
            uploads.shutdownNow();
        }
    }
}
