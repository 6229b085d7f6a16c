package io.github.s3migration;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The throughput benchmark (a program, not a test): for each S3 latency, each parallelism and each batch size, a fresh
 * job JVM migrates the same prepared rows, with PostgreSQL and the S3 server (S3Proxy) each in a process of their own.
 * Rates and client CPU come from the job's progress lines and the job process's own CPU counter; the first seconds of
 * each run (JIT warm-up) are reported apart. A copies-only run of a minimal AWS SDK client at each parallelism is the
 * yardstick. Writes a CSV, a markdown table and one PNG chart per latency under {@code bench.output}. With
 * {@code bench.end-to-end=true} it runs the {@link EndToEndComparison} instead, and with {@code bench.shards} set the
 * {@link ShardComparison}.
 *
 * <p>Run it with {@code ./mvnw -Pbench test-compile exec:exec}; settings are {@code -Dbench.*} properties (see the
 * bench profile in pom.xml and docs/benchmark/README.md).
 */
public final class MigrationBenchmark {

    private static final MigrationSettings DEFAULTS = new MigrationSettings("avatars", "id", "path",
            "sketch-legacy-s3", "image/", "sketch-production-s3", "avatar/", 100, 64, true, "dead-letters");
    private static final Pattern COUNTERS = Pattern.compile(
            "files copied (\\d+)(?:, already present (\\d+), rows updated (\\d+))?");
    private static final Pattern STARTED = Pattern.compile("^(Migrating legacy data|Copying )");

    private final BenchmarkOptions options = BenchmarkOptions.fromSystemProperties();
    private final Path output = options.output();

    private final List<BenchmarkReport.Result> results = new ArrayList<>();
    private final List<EndToEndReport.Result> endToEndResults = new ArrayList<>();
    private final List<ShardReport.Result> shardResults = new ArrayList<>();
    private final List<String> calibrations = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        new MigrationBenchmark().run();
        System.exit(0);
    }

    private void run() throws Exception {
        Files.createDirectories(output.resolve("logs"));
        System.out.printf(
                "Benchmark%s: %d %srows, parallelism %s, batch sizes %s, latencies %s, at most %d s per run%n",
                options.comparesShards() ? " by shards " + options.shards() : options.endToEnd() ? " end to end" : "",
                options.rows(), options.halfLegacy() ? "legacy " : "",
                options.parallelisms(), options.batchSizes(), options.latencies().stream().map(Latency::name).toList(),
                options.maxRun().toSeconds());
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            String jdbcUrl = postgres.getJdbcUrl("postgres", "postgres");
            for (Latency latency : options.latencies()) {
                try (S3ServerProcess server = S3ServerProcess.start(latency, options.objectsOnDisk(), output)) {
                    benchmark(latency, server.connection(jdbcUrl));
                }
            }
        }
        System.out.println("Wrote " + (options.comparesShards()
                ? output.resolve("shards.csv") + " and " + output.resolve("shards.md")
                : options.endToEnd() ? output.resolve("end-to-end.csv") + " and " + output.resolve("end-to-end.md")
                : output.resolve("benchmark.csv") + ", " + output.resolve("benchmark.md") + " and the charts in "
                        + output));
    }

    private void benchmark(Latency latency, ConnectionSettings connection) throws Exception {
        JobProperties job = new JobProperties(connection, output);
        // End to end and by shards, as many production rows as legacy ones: the clients meet them, as they would in a
        // real table and bucket.
        prepare(job, latency, options.halfLegacy() ? 2 * options.rows() : options.rows(),
                options.halfLegacy() ? 0.5 : 1.0);
        try (HikariDataSource dataSource = MigrationConfiguration.newDataSource(connection, 2);
             S3Client s3 = MigrationConfiguration.newS3Client(connection, S3HttpClient.APACHE, 64, 60)) {
            calibrations.add(calibrate(latency, s3));
            if (options.comparesShards()) {
                new ShardComparison(options, DEFAULTS, job, dataSource, s3).run(latency, result -> {
                    shardResults.add(result);
                    System.out.println(result.describe());
                    ShardReport.write(output, shardResults, calibrations, options);
                });
            } else if (options.endToEnd()) {
                new EndToEndComparison(options, DEFAULTS, connection, job, dataSource, s3).run(latency, result -> {
                    endToEndResults.add(result);
                    System.out.println(result.describe());
                    EndToEndReport.write(output, endToEndResults, calibrations, options);
                });
            } else {
                sweep(latency, connection, job, dataSource, s3);
            }
        }
    }

    private void sweep(Latency latency, ConnectionSettings connection, JobProperties job, DataSource dataSource,
            S3Client s3) throws Exception {
        SampleDataset dataset = new SampleDataset(dataSource, s3, DEFAULTS, 64);
        for (int parallelism : options.parallelisms()) {
            for (String client : options.baselineClients()) {
                reset(dataSource, dataset);
                measure(latency, "SDK copies only (" + client + ")", parallelism, 0, JavaCommand.of(
                        options.jobJvmOptions(), Map.of(), CopiesOnlyClient.class.getName(), connection.s3Endpoint(),
                        connection.s3Region(), connection.s3AccessKey(), connection.s3SecretKey(),
                        DEFAULTS.sourceBucket(), DEFAULTS.sourcePrefix(), DEFAULTS.targetBucket(),
                        DEFAULTS.targetPrefix(), Integer.toString(parallelism), client));
            }
            for (int batchSize : options.batchSizes()) {
                for (String httpClient : options.jobHttpClients()) {
                    reset(dataSource, dataset);
                    measure(latency, "migration (" + httpClient + ")", parallelism, batchSize, JavaCommand.of(
                            options.jobJvmOptions(), job.at(parallelism, batchSize, httpClient),
                            MigrationApplication.class.getName()));
                }
            }
        }
    }

    /** The job's own prepare mode: a fresh table of {@code rows} rows, a share of them legacy, with their objects. */
    private void prepare(JobProperties job, Latency latency, int rows, double legacyShare) throws Exception {
        Path log = output.resolve("logs/prepare-" + latency.name() + ".log");
        Process process = new ProcessBuilder(JavaCommand.of(options.jobJvmOptions(), job.with(Map.of(
                "migration.mode", "prepare", "prepare.count", Integer.toString(rows),
                "prepare.legacy-share", Double.toString(legacyShare), "prepare.allow-destroy", "true",
                "migration.parallelism", "64")), MigrationApplication.class.getName()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int exit = process.waitFor();
        Files.readAllLines(log).stream().filter(line -> line.startsWith("Created ")).forEach(System.out::println);
        if (exit != 0) {
            throw new IllegalStateException("prepare exited with " + exit);
        }
    }

    /** Every row legacy again and the target bucket empty, so each run does the same work. */
    private void reset(DataSource dataSource, SampleDataset dataset) throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement update = connection.prepareStatement("UPDATE " + DEFAULTS.table() + " SET "
                    + DEFAULTS.keyColumn() + " = ? || substr(" + DEFAULTS.keyColumn() + ", ?) WHERE starts_with("
                    + DEFAULTS.keyColumn() + ", ?)")) {
                update.setString(1, DEFAULTS.sourcePrefix());
                update.setInt(2, DEFAULTS.targetPrefix().length() + 1);
                update.setString(3, DEFAULTS.targetPrefix());
                update.executeUpdate();
            }
            try (Statement vacuum = connection.createStatement()) {
                vacuum.execute("VACUUM ANALYZE " + DEFAULTS.table());
            }
        }
        dataset.emptyBucket(DEFAULTS.targetBucket());
    }

    /** Median end-to-end time of a HEAD and of a CopyObject, one at a time, as this latency profile makes them. */
    private String calibrate(Latency latency, S3Client s3) {
        // The first legacy object: end to end, row 1 may be a production row.
        String key = s3.listObjectsV2(b -> b.bucket(DEFAULTS.sourceBucket()).prefix(DEFAULTS.sourcePrefix()).maxKeys(1))
                .contents().get(0).key();
        long[] heads = new long[51];
        long[] copies = new long[51];
        // The first rounds warm both JVMs up; the medians come from the last 51.
        for (int i = -200; i < heads.length; i++) {
            long start = System.nanoTime();
            s3.headObject(b -> b.bucket(DEFAULTS.sourceBucket()).key(key));
            long headed = System.nanoTime();
            s3.copyObject(b -> b.sourceBucket(DEFAULTS.sourceBucket()).sourceKey(key)
                    .destinationBucket(DEFAULTS.targetBucket()).destinationKey("calibration/" + key));
            if (i >= 0) {
                copies[i] = System.nanoTime() - headed;
                heads[i] = headed - start;
            }
        }
        Arrays.sort(heads);
        Arrays.sort(copies);
        String line = String.format("%s (%s): HEAD %.1f ms, CopyObject %.1f ms (medians of %d)", latency.name(),
                latency.describe(), heads[heads.length / 2] / 1e6, copies[copies.length / 2] / 1e6, heads.length);
        System.out.println("Calibration " + line);
        return line;
    }

    /** Runs one JVM, samples its counters and CPU at each progress line, and stops it after bench.max-seconds. */
    private void measure(Latency latency, String client, int parallelism, int batchSize, List<String> command)
            throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        ProcessHandle handle = process.toHandle();
        List<Sample> samples = new ArrayList<>();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        long startNanos = 0;
        double startCpu = 0;
        long rowsUpdated = -1;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
             PrintWriter log = new PrintWriter(Files.newBufferedWriter(
                     options.runLog(latency, client, parallelism, batchSize)))) {
            String line;
            while ((line = lines.readLine()) != null) {
                log.println(line);
                long now = System.nanoTime();
                if (startNanos == 0 && STARTED.matcher(line).find()) {
                    startNanos = now;
                    startCpu = cpuSeconds(handle);
                    // SIGTERM through the handle (Process.destroy would close the output we read): like an operator's
                    // Ctrl-C, the batches in flight finish and the summary is printed.
                    timer.schedule(handle::destroy, options.maxRun().toMillis(), TimeUnit.MILLISECONDS);
                }
                Matcher counters = COUNTERS.matcher(line);
                if (startNanos != 0 && counters.find()) {
                    long done = Long.parseLong(counters.group(1))
                            + (counters.group(2) != null ? Long.parseLong(counters.group(2)) : 0);
                    rowsUpdated = counters.group(3) != null ? Long.parseLong(counters.group(3)) : done;
                    double cpu = cpuSeconds(handle);
                    if (cpu >= 0) {
                        samples.add(new Sample((now - startNanos) / 1e9, done, cpu - startCpu));
                    }
                }
            }
        } finally {
            timer.shutdownNow();
        }
        int exit = process.waitFor();
        BenchmarkReport.Result result = BenchmarkReport.Result.of(latency.name(), client, parallelism, batchSize,
                options.rows(), rowsUpdated, exit, samples, options.warmUp().toSeconds());
        results.add(result);
        System.out.println(result.describe());
        BenchmarkReport.write(output, results, calibrations, options.rows(), options.warmUp().toSeconds());
    }

    private static double cpuSeconds(ProcessHandle process) {
        return process.info().totalCpuDuration().map(cpu -> cpu.toNanos() / 1e9).orElse(-1.0);
    }

    /** A progress line: seconds since the run began, rows done (copied or already present), CPU seconds used since. */
    record Sample(double seconds, long done, double cpuSeconds) {
    }
}
