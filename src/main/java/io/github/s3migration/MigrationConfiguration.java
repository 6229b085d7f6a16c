package io.github.s3migration;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.LoggingLevel;
import org.apache.camel.processor.errorhandler.RedeliveryPolicy;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Registry;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * Builds what the routes use (data source, S3 client, the run's beans) from validated settings, on the embedded servers
 * unless {@code migration.embedded=false}. Runs before any route is created, so bad settings stop the job before it
 * touches anything.
 */
public class MigrationConfiguration implements CamelConfiguration {

    private static final int SAMPLE_UPLOAD_THREADS = 16;

    @Override
    public void configure(CamelContext context) throws Exception {
        PropertiesComponent properties = context.getPropertiesComponent();
        UnknownSettings.refuse(properties);
        Settings values = new Settings(properties);
        MigrationSettings settings = MigrationSettings.from(properties);
        PipelineSettings pipeline = PipelineSettings.from(properties, settings);
        S3RequestSettings requests = S3RequestSettings.from(properties);
        JobOptions options = JobOptions.from(properties);
        if (options.jsonLogs()) {
            ConsoleFormat.json();
        }
        Registry registry = context.getRegistry();
        MigrationRun run = new MigrationRun(pipeline.rowsInFlight());
        registry.bind("migrationRun", MigrationRun.class, run);
        registry.bind("jobOptions", JobOptions.class, options);
        registry.bind("runLogFile", RunLogFile.class, RunLogFile.open(
                options.logDir().isEmpty() ? null : Path.of(options.logDir()), run.runId()), null,
                "close");
        ConnectionSettings connection;
        if (options.embedded() && (values.optional("migration.db.url").isPresent()
                || values.optional("migration.s3.endpoint").isPresent())) {
            // Most likely a production run without its profile: it would quietly migrate sample data instead.
            throw new InvalidConfigurationException("A database or S3 endpoint is set but migration.embedded=true:"
                    + " add -Dcamel.main.profile=prod (or -Dmigration.embedded=false)");
        }
        if (options.embedded()) {
            if (!embeddedDefaultInThisPackage()) {
                throw new InvalidConfigurationException("This package has no embedded default (it comes with a source"
                        + " checkout: ./mvnw compile camel:run): run it with -Dcamel.main.profile=prod and the"
                        + " MIGRATION_* environment variables");
            }
            EmbeddedEnvironment environment = EmbeddedEnvironment.start(settings.sourceBucket(), settings.targetBucket());
            registry.bind(EmbeddedEnvironment.NAME, EmbeddedEnvironment.class, environment, null, "close");
            connection = environment.connectionSettings();
        } else {
            connection = ConnectionSettings.from(properties);
        }
        registry.bind("migrationSettings", MigrationSettings.class, settings);
        registry.bind("rowPlanner", RowPlanner.class, new RowPlanner(settings));
        registry.bind("connectionSettings", ConnectionSettings.class, connection);

        // One connection per batch update at a time, one for the poller, one for the status.
        DatabaseTimeouts timeouts = DatabaseTimeouts.from(properties);
        DataSource dataSource = newDataSource(connection, pipeline.updateThreads() + 2, timeouts);
        registry.bind("dataSource", DataSource.class, dataSource, null, "close");
        if (options.lock()) {
            registry.bind(MigrationApplication.RUN_LOCK, RunLock.class, RunLock.of(connection, timeouts, settings,
                    run.runId()), null, "close");
        }
        S3RequestGate gate = requests.gate();
        AttemptTimeouts attemptTimeouts = requests.attemptTimeouts();
        // One request per copy thread at a time, one per listing thread, a few more; the status lists while no copy runs.
        S3Client s3 = newS3Client(connection, requests.httpClient(),
                settings.parallelism() + pipeline.listingThreads() + 4, requests.requestTimeout(), gate, attemptTimeouts);
        registry.bind("s3Client", S3Client.class, s3, null, "close");
        registry.bind("s3Gate", S3RequestGate.class, gate);
        registry.bind("attemptTimeouts", AttemptTimeouts.class, attemptTimeouts);
        registry.bind("copyRequest", CopyRequest.class, new CopyRequest(settings, attemptTimeouts));
        registry.bind("targetListing", TargetListing.class, new TargetListing(s3, settings));
        registry.bind("retryPolicy", RedeliveryPolicy.class, retryPolicy(values));
        registry.bind("rowByRow", RowByRow.class, new RowByRow());
        int retrySeconds = values.integer("migration.retry.max-total-seconds", 120, 0, 86_400);
        registry.bind("retryBudget", RetryBudget.class, new RetryBudget(retrySeconds,
                values.integer("migration.retry.max-redeliveries", -1, -1, 1_000_000)));
        registry.bind("pollFailures", PollFailures.class, new PollFailures(run, retrySeconds));
        registry.bind("copiedRows", CopiedRowsAggregation.class, new CopiedRowsAggregation(run));
        registry.bind("updateParameters", UpdateParameters.class, new UpdateParameters());
        registry.bind("permanentSqlFailure", PermanentSqlFailure.class, new PermanentSqlFailure());
        registry.bind("deadLetters", DeadLetters.class, new DeadLetters(run, settings));

        if (options.embedded() && !options.prepares()) {
            int sampleRows = values.integer("migration.embedded.sample-rows", 2_000, 0, 10_000_000);
            new SampleDataset(dataSource, s3, registry.lookupByNameAndType(EmbeddedEnvironment.NAME,
                    EmbeddedEnvironment.class), settings, SAMPLE_UPLOAD_THREADS).create(sampleRows, 0.5, 1024, 8192, 42);
        }
    }

    /** The embedded servers are provided at build time: the packaged jar and the image do without them. */
    private static boolean embeddedDefaultInThisPackage() {
        try {
            Class.forName("io.zonky.test.db.postgres.embedded.EmbeddedPostgres", false,
                    MigrationConfiguration.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /**
     * How a transient failure is retried, in every route: exponential backoff with jitter, quietly (the run's summary
     * and dead letters say what failed). How long is the retry budget's business.
     */
    private static RedeliveryPolicy retryPolicy(Settings values) {
        int initialDelay = values.integer("migration.retry.initial-delay-ms", 200, 0, 600_000);
        RedeliveryPolicy policy = new RedeliveryPolicy();
        policy.setRedeliveryDelay(initialDelay);
        policy.setMaximumRedeliveryDelay(values.integer("migration.retry.max-delay-ms", 10_000, initialDelay, 3_600_000));
        policy.setUseExponentialBackOff(true);
        policy.setBackOffMultiplier(2);
        policy.setUseCollisionAvoidance(true);
        policy.setMaximumRedeliveries(-1);
        policy.setRetryAttemptedLogLevel(LoggingLevel.DEBUG);
        policy.setRetriesExhaustedLogLevel(LoggingLevel.DEBUG);
        policy.setLogStackTrace(false);
        return policy;
    }

    /** A pool for tests and tools: the database's own timeouts. */
    static HikariDataSource newDataSource(ConnectionSettings connection, int poolSize) {
        return newDataSource(connection, poolSize, null);
    }

    /** @param timeouts null: the database's defaults */
    static HikariDataSource newDataSource(ConnectionSettings connection, int poolSize, DatabaseTimeouts timeouts) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("migration-db");
        config.setJdbcUrl(connection.dbUrl());
        config.setUsername(connection.dbUser());
        config.setPassword(connection.dbPassword());
        config.setMaximumPoolSize(poolSize);
        config.setConnectionTimeout(Duration.ofSeconds(10).toMillis());
        if (timeouts != null) {
            config.setConnectionInitSql(timeouts.sessionSettings());
            config.addDataSourceProperty("socketTimeout", timeouts.socketTimeoutSeconds());
            config.addDataSourceProperty("tcpKeepAlive", true);
        }
        try {
            return new HikariDataSource(config);
        } catch (HikariPool.PoolInitializationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new InvalidConfigurationException("Cannot connect to the database " + connection.databaseName()
                    + " as " + connection.dbUser() + ": " + cause.getMessage());
        }
    }

    /** A client for tests and tools: no rate limit, no adaptive attempt limit. */
    static S3Client newS3Client(ConnectionSettings connection, S3HttpClient httpClient, int maxConnections,
            int timeoutSeconds) {
        return newS3Client(connection, httpClient, maxConnections, Duration.ofSeconds(timeoutSeconds));
    }

    /** @param interceptors see every request the client sends, in this order */
    static S3Client newS3Client(ConnectionSettings connection, S3HttpClient httpClient, int maxConnections,
            Duration timeout, ExecutionInterceptor... interceptors) {
        AwsCredentialsProvider credentials = connection.s3AccessKey().isEmpty()
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(connection.s3AccessKey(), connection.s3SecretKey()));
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(connection.s3Region()))
                .credentialsProvider(credentials)
                .forcePathStyle(connection.s3PathStyle())
                // S3-compatible servers reject the SDK's newer default checksums
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(httpClient.builder(maxConnections, timeout))
                // Camel's redelivery policy is the one place that retries, so attempts are counted once.
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallAttemptTimeout(timeout)
                        .executionInterceptors(List.of(interceptors)));
        if (!connection.s3Endpoint().isEmpty()) {
            try {
                builder.endpointOverride(URI.create(connection.s3Endpoint()));
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigurationException("migration.s3.endpoint is not a valid URL: " + connection.s3Endpoint());
            }
        }
        return builder.build();
    }
}
