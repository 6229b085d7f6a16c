package io.github.s3migration;

import java.net.URI;
import java.util.Queue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.crt.AwsCrtHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3BaseClientBuilder;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;

/**
 * What the minimal clients share: their S3 client's settings, and server-side copies (CopyObject) of objects from the
 * source prefix to the same name under the target prefix, made by threads of their own that each take the next key
 * and have one request in flight, counted for a progress line printed once a second.
 */
final class ServerSideCopies {

    private final String sourceBucket;
    private final String sourcePrefix;
    private final String targetBucket;
    private final String targetPrefix;
    private final AtomicLong copied = new AtomicLong();

    ServerSideCopies(String sourceBucket, String sourcePrefix, String targetBucket, String targetPrefix) {
        this.sourceBucket = sourceBucket;
        this.sourcePrefix = sourcePrefix;
        this.targetBucket = targetBucket;
        this.targetPrefix = targetPrefix;
    }

    /** Path style, and checksums only where S3 requires them (S3Proxy rejects the SDK's newer defaults). */
    static <B extends S3BaseClientBuilder<B, ?>> B configure(B builder, String endpoint, String region,
            String accessKey, String secretKey) {
        return builder.region(Region.of(region)).endpointOverride(URI.create(endpoint)).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    }

    /** A synchronous HTTP client by name: {@code crt}, {@code apache} or {@code url-connection}. */
    static SdkHttpClient.Builder<?> httpClient(String name, int parallelism) {
        return switch (name) {
            case "crt" -> AwsCrtHttpClient.builder().maxConcurrency(parallelism);
            case "apache" -> ApacheHttpClient.builder().maxConnections(parallelism);
            // The JDK keeps only http.maxConnections (5) idle connections per host whatever this client is told.
            case "url-connection" -> UrlConnectionHttpClient.builder();
            default -> throw new IllegalArgumentException("Unknown HTTP client " + name);
        };
    }

    String sourceBucket() {
        return sourceBucket;
    }

    String sourcePrefix() {
        return sourcePrefix;
    }

    String targetKey(String sourceKey) {
        return targetPrefix + sourceKey.substring(sourcePrefix.length());
    }

    CopyObjectRequest request(String sourceKey) {
        return CopyObjectRequest.builder().sourceBucket(sourceBucket).sourceKey(sourceKey)
                .destinationBucket(targetBucket).destinationKey(targetKey(sourceKey)).build();
    }

    void countCopy() {
        copied.incrementAndGet();
    }

    long copied() {
        return copied.get();
    }

    /**
     * Copies the object of each item with {@code parallelism} threads; {@code afterCopy} runs on the copying thread
     * once the item's copy is made. The first failure stops every thread and is thrown.
     */
    <T> void copyAll(S3Client s3, Queue<T> items, Function<T, String> sourceKey, Consumer<T> afterCopy,
            int parallelism) throws Exception {
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        ExecutorService copiers = Executors.newFixedThreadPool(parallelism);
        for (int i = 0; i < parallelism; i++) {
            copiers.execute(() -> {
                T item;
                while (failure.get() == null && (item = items.poll()) != null) {
                    try {
                        s3.copyObject(request(sourceKey.apply(item)));
                        countCopy();
                        afterCopy.accept(item);
                    } catch (RuntimeException e) {
                        failure.compareAndSet(null, e);
                    }
                }
            });
        }
        copiers.shutdown();
        copiers.awaitTermination(1, TimeUnit.DAYS);
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    /** Prints a line once a second from a daemon thread, which ends with the JVM. */
    static void printEverySecond(Supplier<String> line) {
        ScheduledExecutorService printer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "progress");
            thread.setDaemon(true);
            return thread;
        });
        printer.scheduleAtFixedRate(() -> System.out.println(line.get()), 1, 1, TimeUnit.SECONDS);
    }
}
