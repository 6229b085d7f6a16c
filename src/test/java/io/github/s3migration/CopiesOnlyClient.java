package io.github.s3migration;

import java.net.URI;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.crt.AwsCrtHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The yardstick: a minimal AWS SDK client that only copies (no database, no existence check, no Camel), every object
 * under the source prefix to the target prefix with {@code parallelism} requests in flight. Prints the same
 * "files copied N" counter as the job's progress lines, once a second.
 *
 * <p>Arguments: endpoint region access-key secret-key source-bucket source-prefix target-bucket target-prefix
 * parallelism http-client (apache, url-connection, crt or netty).
 */
public final class CopiesOnlyClient {

    private CopiesOnlyClient() {
    }

    public static void main(String[] args) throws Exception {
        URI endpoint = URI.create(args[0]);
        Region region = Region.of(args[1]);
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(args[2], args[3]));
        String sourceBucket = args[4];
        String sourcePrefix = args[5];
        String targetBucket = args[6];
        String targetPrefix = args[7];
        int parallelism = Integer.parseInt(args[8]);
        String httpClient = args[9];

        // Listed before the clock starts, so that the copiers only copy.
        Queue<String> keys = new ConcurrentLinkedQueue<>();
        try (S3Client lister = S3Client.builder().region(region).endpointOverride(endpoint).forcePathStyle(true)
                .credentialsProvider(credentials).httpClientBuilder(ApacheHttpClient.builder()).build()) {
            lister.listObjectsV2Paginator(b -> b.bucket(sourceBucket).prefix(sourcePrefix)).contents()
                    .forEach(object -> keys.add(object.key()));
        }
        AtomicLong copied = new AtomicLong();
        ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor(daemon());
        System.out.println("Copying " + keys.size() + " objects from " + sourceBucket + "/" + sourcePrefix + " to "
                + targetBucket + "/" + targetPrefix + " with " + httpClient + ", " + parallelism + " requests in flight");
        reporter.scheduleAtFixedRate(() -> System.out.println("files copied " + copied.get()), 1, 1, TimeUnit.SECONDS);
        if (httpClient.equals("netty")) {
            try (S3AsyncClient s3 = S3AsyncClient.builder().region(region).endpointOverride(endpoint)
                    .forcePathStyle(true).credentialsProvider(credentials)
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                    .httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(parallelism)).build()) {
                Semaphore inFlight = new Semaphore(parallelism);
                String key;
                while ((key = keys.poll()) != null) {
                    String sourceKey = key;
                    inFlight.acquire();
                    s3.copyObject(b -> b.sourceBucket(sourceBucket).sourceKey(sourceKey).destinationBucket(targetBucket)
                            .destinationKey(targetPrefix + sourceKey.substring(sourcePrefix.length())))
                            .whenComplete((response, error) -> {
                                inFlight.release();
                                if (error != null) {
                                    error.printStackTrace();
                                } else {
                                    copied.incrementAndGet();
                                }
                            });
                }
                inFlight.acquire(parallelism);
            }
        } else {
            var builder = S3Client.builder().region(region).endpointOverride(endpoint).forcePathStyle(true)
                    .credentialsProvider(credentials)
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
            switch (httpClient) {
                case "apache" -> builder.httpClientBuilder(ApacheHttpClient.builder().maxConnections(parallelism));
                case "url-connection" -> builder.httpClientBuilder(UrlConnectionHttpClient.builder());
                case "crt" -> builder.httpClientBuilder(AwsCrtHttpClient.builder().maxConcurrency(parallelism));
                default -> throw new IllegalArgumentException("Unknown HTTP client " + httpClient);
            }
            try (S3Client s3 = builder.build()) {
                ExecutorService copiers = Executors.newFixedThreadPool(parallelism);
                for (int i = 0; i < parallelism; i++) {
                    copiers.execute(() -> {
                        String key;
                        while ((key = keys.poll()) != null) {
                            String sourceKey = key;
                            s3.copyObject(b -> b.sourceBucket(sourceBucket).sourceKey(sourceKey)
                                    .destinationBucket(targetBucket)
                                    .destinationKey(targetPrefix + sourceKey.substring(sourcePrefix.length())));
                            copied.incrementAndGet();
                        }
                    });
                }
                copiers.shutdown();
                copiers.awaitTermination(1, TimeUnit.DAYS);
            }
        }
        System.out.println("files copied " + copied.get());
        System.out.println("Copies finished");
        reporter.shutdownNow();
    }

    private static ThreadFactory daemon() {
        return runnable -> {
            Thread thread = new Thread(runnable, "progress");
            thread.setDaemon(true);
            return thread;
        };
    }
}
