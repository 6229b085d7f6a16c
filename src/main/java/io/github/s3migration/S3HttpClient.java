package io.github.s3migration;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.crt.AwsCrtHttpClient;
import software.amazon.awssdk.utils.AttributeMap;

/**
 * The HTTP client under the S3 client ({@code migration.s3.http-client}). CRT, the AWS Common Runtime's native client,
 * is the default: run side by side with Apache, the job spent less CPU per row on it, and the copies-only benchmark
 * client less per CopyObject (docs/benchmark/2026-12-02-http-clients.md). Apache is the pure-Java fallback for platforms
 * without the CRT's native library.
 */
public enum S3HttpClient {

    CRT {
        @Override
        SdkHttpClient.Builder<?> builder(int maxConnections, Duration timeout) {
            return new ShutdownDeferringCrtBuilder(AwsCrtHttpClient.builder().maxConcurrency(maxConnections));
        }
    },
    APACHE {
        @Override
        SdkHttpClient.Builder<?> builder(int maxConnections, Duration timeout) {
            return ApacheHttpClient.builder().maxConnections(maxConnections).socketTimeout(timeout);
        }
    };

    /**
     * A builder for at most this many connections. A request that hangs is ended by the S3 client's attempt timeout,
     * whichever HTTP client it runs on.
     */
    abstract SdkHttpClient.Builder<?> builder(int maxConnections, Duration timeout);

    /**
     * The CRT's own JVM shutdown hook ends every request still running on it, which would fail the copies of the
     * batches in flight on Ctrl-C or SIGTERM. Each client holds a reference that defers the CRT's shutdown until the
     * client is closed, after those batches have finished.
     */
    private record ShutdownDeferringCrtBuilder(AwsCrtHttpClient.Builder crt)
            implements SdkHttpClient.Builder<ShutdownDeferringCrtBuilder> {

        @Override
        public SdkHttpClient buildWithDefaults(AttributeMap serviceDefaults) {
            SdkHttpClient client;
            try {
                client = crt.buildWithDefaults(serviceDefaults);
            } catch (LinkageError | RuntimeException e) {
                throw new InvalidConfigurationException("The CRT HTTP client cannot start on this platform ("
                        + e.getMessage() + "): set migration.s3.http-client=apache");
            }
            // Named in full: this enum's CRT constant hides the class.
            software.amazon.awssdk.crt.CRT.acquireShutdownRef();
            return new SdkHttpClient() {
                @Override
                public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
                    return client.prepareRequest(request);
                }

                @Override
                public String clientName() {
                    return client.clientName();
                }

                @Override
                public void close() {
                    try {
                        client.close();
                    } finally {
                        software.amazon.awssdk.crt.CRT.releaseShutdownRef();
                    }
                }
            };
        }
    }

    static S3HttpClient named(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException("migration.s3.http-client must be one of "
                    + Arrays.stream(values()).map(client -> client.name().toLowerCase(Locale.ROOT)).toList()
                    + ", not '" + name + "'");
        }
    }
}
