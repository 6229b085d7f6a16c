package io.github.s3migration;

import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import org.gaul.s3proxy.LatencyBlobStore;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;


/**
 * S3Proxy (V4 signatures) in a JVM of its own, so the migration's CPU counters measure the client alone. Latency is
 * injected per blob-store call with S3Proxy's LatencyBlobStore, and a tail of slow copies with a
 * {@link CopyTailBlobStore}; listings come from an {@link IndexedListingBlobStore} so that they cost what they cost on
 * S3 whatever the bucket's size.
 */
final class S3ServerProcess implements AutoCloseable {

    private static final String ACCESS_KEY = "bench-access-key";
    private static final String SECRET_KEY = "bench-secret-key";
    private static final int MAX_THREADS = 1_024;

    private final Process process;
    private final int port;

    private S3ServerProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * @param latency milliseconds added to each blob-store call of the named kind (metadata, copy, ...), and the tail
     *     of slow copies
     * @param onDisk objects in files under the work directory rather than in memory, where each takes some 10 KiB
     *     of heap whatever its size (for a million rows and more)
     */
    static S3ServerProcess start(Latency latency, boolean onDisk, Path workDirectory) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        StringBuilder properties = new StringBuilder()
                .append("s3proxy.endpoint=http://127.0.0.1:").append(port).append('\n')
                .append("s3proxy.authorization=aws-v2-or-v4\n")
                .append("s3proxy.identity=").append(ACCESS_KEY).append('\n')
                .append("s3proxy.credential=").append(SECRET_KEY).append('\n')
                // S3 serves any number of requests at once; with Jetty's default of 200 threads the server, not the
                // client, would cap parallelism 256, and every slow request would hold one of the 200.
                .append("s3proxy.jetty.max-threads=").append(MAX_THREADS).append('\n')
                .append(onDisk ? "jclouds.provider=filesystem-nio2\njclouds.filesystem.basedir="
                        + emptyDirectory(workDirectory.resolve("blobstore-" + latency.name())) + "\n"
                        : "jclouds.provider=transient-nio2\n")
                .append("jclouds.identity=").append(ACCESS_KEY).append('\n')
                .append("jclouds.credential=").append(SECRET_KEY).append('\n');
        latency.tail().writeTo(properties);
        latency.perCallMillis().forEach((call, millis) -> properties.append("s3proxy.latency-blobstore.").append(call)
                .append(".latency=").append(millis).append('\n'));
        Path file = workDirectory.resolve("logs").resolve("s3proxy-" + latency.name() + ".properties");
        Files.writeString(file, properties);
        Process process = new ProcessBuilder(JavaCommand.of(List.of("-Xmx4g"), Map.of(),
                S3ServerProcess.class.getName(), file.toString()))
                .redirectErrorStream(true)
                .redirectOutput(workDirectory.resolve("logs").resolve("s3proxy-" + latency.name() + ".log").toFile())
                .start();
        S3ServerProcess server = new S3ServerProcess(process, port);
        server.awaitListening();
        return server;
    }

    /** The server process: the store named by the properties, indexed for listings, with the tail if any, delayed. */
    public static void main(String[] arguments) throws Exception {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(Path.of(arguments[0]))) {
            properties.load(reader);
        }
        BlobStore store = new IndexedListingBlobStore(ContextBuilder
                .newBuilder(properties.getProperty("jclouds.provider"))
                .overrides(properties)
                .build(BlobStoreContext.class)
                .getBlobStore());
        CopyTail tail = CopyTail.readFrom(properties);
        if (!tail.isNone()) {
            store = new CopyTailBlobStore(store, tail);
        }
        // S3Proxy keeps its latency wrapper's factory package-private; its Main uses it the same way
        Method withLatency = LatencyBlobStore.class.getDeclaredMethod("newLatencyBlobStore",
                BlobStore.class, Map.class, Map.class);
        withLatency.setAccessible(true);
        store = (BlobStore) withLatency.invoke(null, store, LatencyBlobStore.parseLatencies(properties),
                LatencyBlobStore.parseSpeeds(properties));
        S3Proxy.Builder.fromProperties(properties).blobStore(store).build().start();
    }

    private static Path emptyDirectory(Path directory) throws IOException {
        if (Files.exists(directory)) {
            try (Stream<Path> paths = Files.walk(directory)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
        return Files.createDirectories(directory);
    }

    private void awaitListening() throws Exception {
        for (int attempt = 0; attempt < 600; attempt++) {
            if (!process.isAlive()) {
                throw new IllegalStateException("S3Proxy exited with code " + process.exitValue());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("S3Proxy did not listen on port " + port);
    }

    ConnectionSettings connection(String jdbcUrl) {
        return new ConnectionSettings(jdbcUrl, "postgres", "", "http://127.0.0.1:" + port, "us-east-1",
                ACCESS_KEY, SECRET_KEY, true);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
