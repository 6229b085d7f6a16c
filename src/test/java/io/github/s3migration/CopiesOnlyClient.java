package io.github.s3migration;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;

import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
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
        String endpoint = args[0];
        String region = args[1];
        String accessKey = args[2];
        String secretKey = args[3];
        ServerSideCopies copies = new ServerSideCopies(args[4], args[5], args[6], args[7]);
        int parallelism = Integer.parseInt(args[8]);
        String httpClient = args[9];

        // Listed before the clock starts, so that the copiers only copy.
        Queue<String> keys = new ConcurrentLinkedQueue<>();
        try (S3Client lister = ServerSideCopies.configure(S3Client.builder(), endpoint, region, accessKey, secretKey)
                .httpClientBuilder(ApacheHttpClient.builder()).build()) {
            lister.listObjectsV2Paginator(b -> b.bucket(copies.sourceBucket()).prefix(copies.sourcePrefix()))
                    .contents().forEach(object -> keys.add(object.key()));
        }
        System.out.println("Copying " + keys.size() + " objects from " + args[4] + "/" + args[5] + " to " + args[6]
                + "/" + args[7] + " with " + httpClient + ", " + parallelism + " requests in flight");
        ServerSideCopies.printEverySecond(() -> "files copied " + copies.copied());
        if (httpClient.equals("netty")) {
            try (S3AsyncClient s3 = ServerSideCopies.configure(S3AsyncClient.builder(), endpoint, region, accessKey,
                    secretKey).httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(parallelism))
                    .build()) {
                Semaphore inFlight = new Semaphore(parallelism);
                String key;
                while ((key = keys.poll()) != null) {
                    inFlight.acquire();
                    s3.copyObject(copies.request(key)).whenComplete((response, error) -> {
                        inFlight.release();
                        if (error != null) {
                            error.printStackTrace();
                        } else {
                            copies.countCopy();
                        }
                    });
                }
                inFlight.acquire(parallelism);
            }
        } else {
            try (S3Client s3 = ServerSideCopies.configure(S3Client.builder(), endpoint, region, accessKey, secretKey)
                    .httpClientBuilder(ServerSideCopies.httpClient(httpClient, parallelism)).build()) {
                copies.copyAll(s3, keys, key -> key, key -> { }, parallelism);
            }
        }
        System.out.println("files copied " + copies.copied());
        System.out.println("Copies finished");
    }
}
