package io.github.s3migration;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Properties;
import java.util.stream.Stream;

import javax.sql.DataSource;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real PostgreSQL server and an in-process S3 server (S3Proxy, V4 signatures) on free loopback ports, so the job
 * and the tests run with no outside service. Never started under the prod profile.
 */
public final class EmbeddedEnvironment implements AutoCloseable, SampleDataset.ObjectWriter {

    /** Its name in the registry; only the configuration names its class, so a package without it never loads it. */
    public static final String NAME = "embeddedEnvironment";

    private static final String ACCESS_KEY = "embedded-access-key";
    private static final String SECRET_KEY = "embedded-secret-key";
    private static final String REGION = "us-east-1";
    private static final int SAMPLE_UPLOAD_THREADS = 16;

    private final Path dataDirectory;
    private final boolean temporary;
    private final boolean fresh;
    private final BlobStoreContext blobStoreContext;
    private final S3Proxy s3Proxy;
    private volatile EmbeddedPostgres postgres;
    private boolean closed;

    private EmbeddedEnvironment(Path dataDirectory, boolean temporary, boolean fresh, EmbeddedPostgres postgres,
            BlobStoreContext blobStoreContext, S3Proxy s3Proxy) {
        this.dataDirectory = dataDirectory;
        this.temporary = temporary;
        this.fresh = fresh;
        this.postgres = postgres;
        this.blobStoreContext = blobStoreContext;
        this.s3Proxy = s3Proxy;
    }

    /** Starts both servers with the given buckets created and empty, in a temporary directory removed at the end. */
    public static EmbeddedEnvironment start(String... buckets) throws Exception {
        return start(null, buckets);
    }

    /**
     * Starts both servers with the given buckets.
     *
     * @param keptDirectory where the database and the objects stay from one run to the next; null: a temporary
     *     directory, removed when the servers stop
     */
    public static EmbeddedEnvironment start(Path keptDirectory, String... buckets) throws Exception {
        Path dataDirectory = keptDirectory != null ? keptDirectory : Files.createTempDirectory("migration-embedded-");
        Path databaseDirectory = dataDirectory.resolve("postgres");
        boolean fresh = !Files.exists(databaseDirectory.resolve("postgresql.conf"));
        Files.createDirectories(databaseDirectory);
        EmbeddedPostgres postgres = startPostgres(databaseDirectory, 0);
        BlobStoreContext blobStoreContext = null;
        try {
            blobStoreContext = keptDirectory != null
                    ? ContextBuilder.newBuilder("filesystem-nio2").credentials(ACCESS_KEY, SECRET_KEY)
                            .overrides(filesystemAt(Files.createDirectories(dataDirectory.resolve("s3"))))
                            .build(BlobStoreContext.class)
                    : ContextBuilder.newBuilder("transient-nio2").credentials(ACCESS_KEY, SECRET_KEY)
                            .build(BlobStoreContext.class);
            for (String bucket : buckets) {
                blobStoreContext.getBlobStore().createContainerInLocation(null, bucket);
            }
            S3Proxy s3Proxy = S3Proxy.builder()
                    .blobStore(blobStoreContext.getBlobStore())
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                    .endpoint(URI.create("http://127.0.0.1:0"))
                    // S3Proxy 3.0 refuses the SDK's x-amz-checksum-crc32 header on DeleteObjects (gaul/s3proxy#962);
                    // S3 itself takes it, beside the Content-MD5 that older S3-compatible servers require.
                    .ignoreUnknownHeaders(true)
                    .build();
            s3Proxy.start();
            return new EmbeddedEnvironment(dataDirectory, keptDirectory == null, fresh, postgres, blobStoreContext,
                    s3Proxy);
        } catch (Exception | Error e) {
            // Jetty's threads are not daemons: a half-started environment would keep the JVM alive.
            if (blobStoreContext != null) {
                blobStoreContext.close();
            }
            postgres.close();
            if (keptDirectory == null) {
                deleteRecursively(dataDirectory);
            }
            throw e;
        }
    }

    private static Properties filesystemAt(Path directory) {
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", directory.toAbsolutePath().toString());
        return properties;
    }

    /** Whether the database was created by this start: the sample data goes in only then. */
    public boolean fresh() {
        return fresh;
    }

    /**
     * Closed by Camel when the job stops (its own shutdown hook would stop the database under in-flight updates);
     * the data directory is ours, so the server can be restarted on it.
     */
    private static EmbeddedPostgres startPostgres(Path dataDirectory, int port) throws IOException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setRegisterShutdownHook(false)
                .setDataDirectory(dataDirectory).setCleanDataDirectory(false);
        return (port > 0 ? builder.setPort(port) : builder).start();
    }

    /** A database outage: stops PostgreSQL, waits, and starts it again on the same port with the same data. */
    public void restartDatabase(Duration down) throws IOException, InterruptedException {
        int port = postgres.getPort();
        postgres.close();
        Thread.sleep(down.toMillis());
        postgres = startPostgres(dataDirectory.resolve("postgres"), port);
    }

    /**
     * Puts an object straight into the S3 server's blob store, as a PutObject would: preparing a simulated dataset
     * this way skips HTTP and request signing on both sides, so it is fast even though both run in this JVM.
     */
    @Override
    public void put(String bucket, String key, byte[] content) {
        BlobStore store = blobStoreContext.getBlobStore();
        store.putBlob(bucket, store.blobBuilder(key).payload(content).contentLength(content.length).build());
    }

    public ConnectionSettings connectionSettings() {
        return new ConnectionSettings(
                postgres.getJdbcUrl("postgres", "postgres"), "postgres", "",
                "http://127.0.0.1:" + s3Proxy.getPort(), REGION, ACCESS_KEY, SECRET_KEY, true);
    }

    /**
     * The embedded default's sample data: that many rows (half legacy), their objects written straight into the blob
     * store, through the job's own pool.
     */
    public void createSampleRows(DataSource dataSource, S3Client s3, MigrationSettings settings, int rows)
            throws Exception {
        new SampleDataset(dataSource, s3, this, settings, SAMPLE_UPLOAD_THREADS).create(rows, 0.5, 1024, 8192, 42);
    }

    /** Closes once; a second call (the job's own, then its context's) does nothing. */
    @Override
    public synchronized void close() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        try {
            s3Proxy.stop();
        } finally {
            blobStoreContext.close();
            postgres.close();
            if (temporary) {
                deleteRecursively(dataDirectory);
            }
        }
    }

    private static void deleteRecursively(Path directory) throws IOException {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
