package io.github.s3migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A simulated dataset: a fresh table of rows whose keys are a mix of legacy and production keys, each with its object
 * in the bucket its key belongs to, like the data the old tool's preparation script built. Rows are inserted in JDBC
 * batches and objects uploaded in parallel, a chunk at a time, so memory stays flat whatever the row count.
 */
public final class SampleDataset {

    private static final int CHUNK = 1_000;

    private final DataSource dataSource;
    private final S3Client s3;
    private final ObjectWriter objects;
    private final MigrationSettings settings;
    private final int threads;

    /** Where the objects go: a PutObject each, or for the embedded default, straight into its blob store. */
    @FunctionalInterface
    public interface ObjectWriter {
        void put(String bucket, String key, byte[] content);
    }

    public SampleDataset(DataSource dataSource, S3Client s3, MigrationSettings settings, int threads) {
        this(dataSource, s3, (bucket, key, content) -> s3.putObject(b -> b.bucket(bucket).key(key),
                RequestBody.fromBytes(content)), settings, threads);
    }

    /** @param objects writes the objects; {@code s3} still lists and empties the buckets */
    public SampleDataset(DataSource dataSource, S3Client s3, ObjectWriter objects, MigrationSettings settings,
            int threads) {
        this.dataSource = dataSource;
        this.s3 = s3;
        this.objects = objects;
        this.settings = settings;
        this.threads = threads;
    }

    /** What {@link #create} made. */
    public record Created(long legacyRows, long productionRows) {
    }

    /**
     * Drops and re-creates the table, then adds {@code rows} rows, a share of them legacy, each with an object of
     * {@code minBytes} to {@code maxBytes} random bytes. The buckets are not emptied: see {@link #emptyBucket}.
     */
    public Created create(long rows, double legacyShare, int minBytes, int maxBytes, long seed) throws Exception {
        recreateTable();
        SplittableRandom random = new SplittableRandom(seed);
        long legacy = 0;
        List<String> chunk = new ArrayList<>(CHUNK);
        try (Uploads uploads = new Uploads()) {
            for (long i = 1; i <= rows; i++) {
                boolean isLegacy = random.nextDouble() < legacyShare;
                legacy += isLegacy ? 1 : 0;
                chunk.add((isLegacy ? settings.sourcePrefix() : settings.targetPrefix())
                        + String.format("avatar-%09d.png", i));
                if (chunk.size() == CHUNK || i == rows) {
                    insertRows(chunk);
                    for (String key : chunk) {
                        uploads.put(key, minBytes + random.nextInt(maxBytes - minBytes + 1), random.nextLong());
                    }
                    chunk.clear();
                }
            }
        }
        return new Created(legacy, rows - legacy);
    }

    public void recreateTable() throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS " + settings.sqlTable());
            statement.execute("CREATE TABLE " + settings.sqlTable() + " (" + settings.sqlIdColumn()
                    + " bigserial PRIMARY KEY, " + settings.sqlKeyColumn() + " text)");
            // As an application that looks its rows up by key has: the job's check that no two rows share one object
            // uses it.
            statement.execute("CREATE INDEX ON " + settings.sqlTable() + " (" + settings.sqlKeyColumn() + ")");
        }
    }

    /** Inserts one row per key, in order, so ids follow the list. */
    public void insertRows(List<String> keys) throws SQLException {
        String sql = "INSERT INTO " + settings.sqlTable() + " (" + settings.sqlKeyColumn() + ") VALUES (?)";
        try (Connection connection = dataSource.getConnection();
             PreparedStatement insert = connection.prepareStatement(sql)) {
            for (int i = 0; i < keys.size(); i++) {
                insert.setString(1, keys.get(i));
                insert.addBatch();
                if ((i + 1) % CHUNK == 0) {
                    insert.executeBatch();
                }
            }
            insert.executeBatch();
        }
    }

    /** Puts each key's object (1 to 8 KiB) in the bucket its prefix belongs to; keys under neither get none. */
    public void uploadObjects(List<String> keys, long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        try (Uploads uploads = new Uploads()) {
            for (String key : keys) {
                uploads.put(key, 1024 + random.nextInt(7 * 1024), random.nextLong());
            }
        }
    }

    /** Creates the bucket if it does not exist, else deletes every object in it; returns how many there were. */
    public long emptyBucket(String bucket) throws Exception {
        try {
            s3.headBucket(b -> b.bucket(bucket));
        } catch (NoSuchBucketException e) {
            s3.createBucket(b -> b.bucket(bucket));
            return 0;
        }
        // One request per object: S3Proxy refuses DeleteObjects as today's SDK signs it (x-amz-checksum, no Content-MD5).
        // Always the first page again: some servers (S3Proxy) page by position, so paging on while deleting skips keys.
        long deleted = 0;
        List<S3Object> page;
        while (!(page = s3.listObjectsV2(b -> b.bucket(bucket)).contents()).isEmpty()) {
            try (Uploads deletes = new Uploads()) {
                for (S3Object object : page) {
                    deletes.submit(() -> s3.deleteObject(b -> b.bucket(bucket).key(object.key())));
                }
            }
            deleted += page.size();
        }
        return deleted;
    }

    /** Parallel S3 requests with a bounded number waiting, so a million of them do not sit in memory at once. */
    private final class Uploads implements AutoCloseable {

        private final ExecutorService executor = Executors.newFixedThreadPool(threads);
        private final Semaphore pending = new Semaphore(threads * 4);
        private final AtomicReference<Exception> failure = new AtomicReference<>();

        void put(String key, int size, long contentSeed) throws Exception {
            String bucket = key.startsWith(settings.sourcePrefix()) ? settings.sourceBucket()
                    : key.startsWith(settings.targetPrefix()) ? settings.targetBucket() : null;
            if (bucket != null) {
                submit(() -> {
                    byte[] content = new byte[size];
                    new SplittableRandom(contentSeed).nextBytes(content);
                    objects.put(bucket, key, content);
                });
            }
        }

        void submit(Runnable request) throws Exception {
            pending.acquire();
            throwIfFailed();
            executor.execute(() -> {
                try {
                    request.run();
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, e);
                } finally {
                    pending.release();
                }
            });
        }

        private void throwIfFailed() throws Exception {
            Exception e = failure.get();
            if (e != null) {
                throw e;
            }
        }

        @Override
        public void close() throws Exception {
            executor.shutdown();
            executor.awaitTermination(1, TimeUnit.HOURS);
            throwIfFailed();
        }
    }
}
