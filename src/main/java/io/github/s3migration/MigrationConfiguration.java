package io.github.s3migration;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
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
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * Wires what the routes and the job's modes use (data source, S3 client, the run's beans) from the validated settings
 * ({@link JobSettings}), on the embedded servers unless {@code migration.embedded=false}. Runs before any route is
 * created, so bad settings stop the job before it touches anything.
 */
public class MigrationConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        JobSettings all = JobSettings.read(context.getPropertiesComponent());
        JobOptions options = all.options();
        MigrationSettings settings = all.migration();
        if (options.jsonLogs()) {
            ConsoleFormat.json();
        }
        Registry registry = context.getRegistry();
        MigrationRun run = new MigrationRun(all.pipeline().rowsInFlight(), options.shard());
        RunLogFile logFile = RunLogFile.open(options.logDir().isEmpty() ? null : Path.of(options.logDir()), run.runId());
        registry.bind("runLogFile", RunLogFile.class, logFile, null, "close");
        ConnectionSettings connection;
        EmbeddedEnvironment environment = null;
        if (options.embedded()) {
            if (!embeddedDefaultInThisPackage()) {
                throw new InvalidConfigurationException("This package has no embedded default (it comes with a source"
                        + " checkout: ./mvnw compile camel:run): run it with -Dcamel.main.profile=prod and the"
                        + " MIGRATION_* environment variables");
            }
            environment = EmbeddedEnvironment.start(
                    options.embeddedDataDir().isEmpty() ? null : Path.of(options.embeddedDataDir()),
                    settings.sourceBucket(), settings.targetBucket());
            registry.bind(EmbeddedEnvironment.NAME, EmbeddedEnvironment.class, environment, null, "close");
            connection = environment.connectionSettings();
        } else {
            connection = ConnectionSettings.from(context.getPropertiesComponent());
        }

        // One connection per batch update at a time, one for the poller, one for the status.
        DataSource dataSource = newDataSource(connection, all.pipeline().updateThreads() + 2, all.databaseTimeouts());
        registry.bind("dataSource", DataSource.class, dataSource, null, "close");
        Optional<RunLock> lock = Optional.empty();
        if (options.lock()) {
            lock = Optional.of(RunLock.of(connection, all.databaseTimeouts(), settings, options.shard(),
                    run.runId()));
            registry.bind("runLock", RunLock.class, lock.get(), null, "close");
        }
        S3RequestSettings requests = all.requests();
        S3RequestGate gate = requests.gate();
        AttemptTimeouts attemptTimeouts = requests.attemptTimeouts();
        // One request per copy thread at a time, one per listing thread, a few more; the status lists while no copy runs.
        S3Client s3 = newS3Client(connection, requests.httpClient(),
                settings.parallelism() + all.pipeline().listingThreads() + 4, requests.requestTimeout(), gate,
                attemptTimeouts);
        registry.bind("s3Client", S3Client.class, s3, null, "close");
        if (environment != null && environment.fresh() && !options.prepares()) {
            environment.createSampleRows(dataSource, s3, settings, options.embeddedSampleRows());
        }
        DeadLetters deadLetters = new DeadLetters(run, settings);
        OutcomeRecords outcomes = new OutcomeRecords(Path.of(options.outcomeDir()), run.runId(), settings);
        registry.bind("outcomeRecords", OutcomeRecords.class, outcomes, null, "close");

        // The beans the routes name.
        ProgressReport report = new ProgressReport(run);
        registry.bind("migrationRun", run);
        registry.bind("progressReport", report);
        registry.bind("migrationSettings", settings);
        registry.bind("pipelineSettings", all.pipeline());
        TargetAccess targetAccess = new TargetAccess();
        registry.bind("targetAccess", targetAccess);
        TargetCheck targetCheck = new TargetCheck(all.targetObjects().overwriteConflicts());
        registry.bind("targetCheck", targetCheck);
        registry.bind("rowPlanner", new RowPlanner(settings.keyMapping(), targetCheck));
        registry.bind("failedAttempt", new FailedAttempt());
        registry.bind("copyRequest", new CopyRequest(settings, all.targetObjects(), attemptTimeouts));
        // The parts of the copies in parts, a few side by side per copy thread at most; idle unless objects are large.
        ExecutorService copyParts = Executors.newFixedThreadPool(Math.min(64, 4 * settings.parallelism()), runnable -> {
            Thread thread = new Thread(runnable, "copy-part");
            thread.setDaemon(true);
            return thread;
        });
        registry.bind("copyPartThreads", ExecutorService.class, copyParts, null, "shutdownNow");
        registry.bind("multipartCopy", new MultipartCopy(s3, settings, all.targetObjects(), copyParts));
        registry.bind("pageListing", new PageListing(s3, settings, targetAccess));
        registry.bind("targetKeyHolders", new TargetKeyHolders(dataSource, settings));
        registry.bind("retryPolicy", all.retry().policy());
        registry.bind("retryBudget", all.retry().budget());
        registry.bind("pollFailures", new PollFailures(run, all.retry().maxTotalSeconds()));
        registry.bind("rowByRow", new RowByRow());
        registry.bind("copiedRows", new CopiedRowsAggregation(run));
        registry.bind("updateParameters", new UpdateParameters());
        registry.bind("permanentSqlFailure", new PermanentSqlFailure());
        registry.bind("permanentS3Failure", new TransientS3Failures());
        registry.bind("deadLetters", deadLetters);
        // What the job's modes use, in one piece.
        registry.bind("jobBeans", new JobBeans(options, settings, all.targetObjects(), targetAccess, connection,
                dataSource, s3, run, report, deadLetters, outcomes, logFile, lock, gate, attemptTimeouts,
                Optional.ofNullable(environment)));
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
                // Where S3 requires a checksum (DeleteObjects), Content-MD5 too, as S3-compatible servers such as
                // MinIO require (aws/aws-sdk-java-v2#5805); the SDK adds its CRC32 header all the same.
                .addPlugin(LegacyMd5Plugin.create())
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
