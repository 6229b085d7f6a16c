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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The throughput benchmark (a program, not a test): for each S3 latency, each parallelism and each batch size, a fresh
 * job JVM migrates the same prepared rows, with PostgreSQL and the S3 server (S3Proxy) each in a process of their own.
 * Rates and client CPU come from the job's progress lines and the job process's own CPU counter; the first seconds of
 * each run (JIT warm-up) are reported apart. A copies-only run of a minimal AWS SDK client at each parallelism is the
 * yardstick. Writes a CSV, a markdown table and one PNG chart per latency under {@code bench.output}.
 *
 * <p>Run it with {@code ./mvnw -Pbench test-compile exec:exec}; settings are {@code -Dbench.*} properties (see the
 * bench profile in pom.xml and the README).
 */
public final class MigrationBenchmark {

    private static final MigrationSettings DEFAULTS = new MigrationSettings("avatars", "id", "path",
            "sketch-legacy-s3", "image/", "sketch-production-s3", "avatar/", 100, 64, true, "dead-letters");
    private static final Pattern COUNTERS = Pattern.compile(
            "files copied (\\d+)(?:, already present (\\d+), rows updated (\\d+))?");
    private static final Pattern STARTED = Pattern.compile("^(Migrating legacy data|Copying )");

    private final int rows = Integer.getInteger("bench.rows", 50_000);
    private final List<Integer> parallelisms = integers(System.getProperty("bench.parallelism", "1,4,16,64,128,256"));
    private final List<Integer> batchSizes = integers(System.getProperty("bench.batch-sizes", "10,100,1000"));
    private final List<String> latencies = List.of(System.getProperty("bench.latencies", "0ms,cloud").split(","));
    private final List<String> baselineClients = names(System.getProperty("bench.baseline-clients", "crt"));
    private final List<String> jobHttpClients = names(System.getProperty("bench.http-clients", "crt"));
    private final int metadataMillis = Integer.getInteger("bench.cloud.metadata-ms", 26);
    private final int copyMillis = Integer.getInteger("bench.cloud.copy-ms", 68);
    private final Duration warmUp = Duration.ofSeconds(Integer.getInteger("bench.warmup-seconds", 10));
    private final Duration maxRun = Duration.ofSeconds(Integer.getInteger("bench.max-seconds", 90));
    /** The job's and the yardstick's: those of {@code mvn camel:run}, then bench.job-jvm-options. */
    private final List<String> jobJvmOptions = Stream.concat(JavaCommand.projectJvmOptions().stream(),
            Stream.of(System.getProperty("bench.job-jvm-options", "").split(" "))).filter(option -> !option.isBlank())
            .toList();
    private final Path output = Path.of(System.getProperty("bench.output", "target/bench"));
    private final boolean objectsOnDisk = Boolean.getBoolean("bench.objects-on-disk");

    private final List<BenchmarkReport.Result> results = new ArrayList<>();
    private final List<String> calibrations = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        new MigrationBenchmark().run();
        System.exit(0);
    }

    private void run() throws Exception {
        Files.createDirectories(output.resolve("logs"));
        System.out.printf("Benchmark: %d rows, parallelism %s, batch sizes %s, latencies %s, at most %d s per run%n",
                rows, parallelisms, batchSizes, latencies, maxRun.toSeconds());
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            String jdbcUrl = postgres.getJdbcUrl("postgres", "postgres");
            for (String latencyName : latencies) {
                Latency latency = latencyName.equals("cloud") ? Latency.cloud(metadataMillis, copyMillis) : Latency.none();
                try (S3ServerProcess server = S3ServerProcess.start(latency, objectsOnDisk, output)) {
                    benchmark(latency, server.connection(jdbcUrl));
                }
            }
        }
        System.out.println("Wrote " + output.resolve("benchmark.csv") + ", " + output.resolve("benchmark.md")
                + " and the charts in " + output);
    }

    private void benchmark(Latency latency, ConnectionSettings connection) throws Exception {
        Map<String, String> job = jobProperties(connection);
        int prepareExit = runJob(job, Map.of("migration.mode", "prepare", "prepare.count", Integer.toString(rows),
                "prepare.legacy-share", "1.0", "prepare.allow-destroy", "true", "migration.parallelism", "64"),
                output.resolve("logs/prepare-" + latency.name() + ".log"));
        if (prepareExit != 0) {
            throw new IllegalStateException("prepare exited with " + prepareExit);
        }
        try (HikariDataSource dataSource = MigrationConfiguration.newDataSource(connection, 2);
             S3Client s3 = MigrationConfiguration.newS3Client(connection, S3HttpClient.APACHE, 64, 60)) {
            calibrations.add(calibrate(latency, s3));
            SampleDataset dataset = new SampleDataset(dataSource, s3, DEFAULTS, 64);
            for (int parallelism : parallelisms) {
                for (String client : baselineClients) {
                    reset(dataSource, dataset);
                    measure(latency, "SDK copies only (" + client + ")", parallelism, 0, JavaCommand.of(jobJvmOptions,
                            Map.of(), CopiesOnlyClient.class.getName(), connection.s3Endpoint(),
                            connection.s3Region(), connection.s3AccessKey(), connection.s3SecretKey(),
                            DEFAULTS.sourceBucket(), DEFAULTS.sourcePrefix(), DEFAULTS.targetBucket(),
                            DEFAULTS.targetPrefix(), Integer.toString(parallelism), client));
                }
                for (int batchSize : batchSizes) {
                    for (String httpClient : jobHttpClients) {
                        reset(dataSource, dataset);
                        Map<String, String> point = new LinkedHashMap<>(job);
                        point.put("migration.parallelism", Integer.toString(parallelism));
                        point.put("migration.batch-size", Integer.toString(batchSize));
                        point.put("migration.s3.http-client", httpClient);
                        measure(latency, "migration (" + httpClient + ")", parallelism, batchSize,
                                JavaCommand.of(jobJvmOptions, point, MigrationApplication.class.getName()));
                    }
                }
            }
        }
    }

    /** The job's settings for these servers; {@code -Dbench.job.<key>=<value>} adds or overrides any of them. */
    private Map<String, String> jobProperties(ConnectionSettings connection) {
        Map<String, String> job = new LinkedHashMap<>();
        job.put("migration.embedded", "false");
        job.put("migration.db.url", connection.dbUrl());
        job.put("migration.db.user", connection.dbUser());
        job.put("migration.s3.endpoint", connection.s3Endpoint());
        job.put("migration.s3.region", connection.s3Region());
        job.put("migration.s3.access-key", connection.s3AccessKey());
        job.put("migration.s3.secret-key", connection.s3SecretKey());
        job.put("migration.s3.path-style", "true");
        job.put("migration.assume-yes", "true");
        job.put("migration.progress-interval-ms", "1000");
        job.put("migration.log-dir", output.resolve("logs").toString());
        job.put("migration.dead-letter-dir", output.resolve("dead-letters").toString());
        System.getProperties().stringPropertyNames().stream().filter(name -> name.startsWith("bench.job."))
                .forEach(name -> job.put(name.substring("bench.job.".length()), System.getProperty(name)));
        return job;
    }

    private int runJob(Map<String, String> job, Map<String, String> extra, Path log) throws Exception {
        Map<String, String> properties = new LinkedHashMap<>(job);
        properties.putAll(extra);
        Process process = new ProcessBuilder(JavaCommand.of(jobJvmOptions, properties,
                MigrationApplication.class.getName())).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int exit = process.waitFor();
        Files.readAllLines(log).stream().filter(line -> line.startsWith("Created ")).forEach(System.out::println);
        return exit;
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
        String key = DEFAULTS.sourcePrefix() + String.format("avatar-%09d.png", 1);
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
        String line = String.format("%s (S3Proxy delays %s): HEAD %.1f ms, CopyObject %.1f ms (medians of %d)",
                latency.name(), latency.perCallMillis().isEmpty() ? "none" : latency.perCallMillis(),
                heads[heads.length / 2] / 1e6, copies[copies.length / 2] / 1e6, heads.length);
        System.out.println("Calibration " + line);
        return line;
    }

    /** Runs one JVM, samples its counters and CPU at each progress line, and stops it after bench.max-seconds. */
    private void measure(Latency latency, String client, int parallelism, int batchSize, List<String> command)
            throws Exception {
        String name = latency.name() + "-" + client.replaceAll("[^A-Za-z0-9]+", "-") + "-p" + parallelism
                + (batchSize > 0 ? "-b" + batchSize : "");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        ProcessHandle handle = process.toHandle();
        List<Sample> samples = new ArrayList<>();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        long startNanos = 0;
        double startCpu = 0;
        long rowsUpdated = -1;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
             PrintWriter log = new PrintWriter(Files.newBufferedWriter(output.resolve("logs/" + name + ".log")))) {
            String line;
            while ((line = lines.readLine()) != null) {
                log.println(line);
                long now = System.nanoTime();
                if (startNanos == 0 && STARTED.matcher(line).find()) {
                    startNanos = now;
                    startCpu = cpuSeconds(handle);
                    // SIGTERM through the handle (Process.destroy would close the output we read): like an operator's
                    // Ctrl-C, the batches in flight finish and the summary is printed.
                    timer.schedule(handle::destroy, maxRun.toMillis(), TimeUnit.MILLISECONDS);
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
                rows, rowsUpdated, exit, samples, warmUp.toSeconds());
        results.add(result);
        System.out.println(result.describe());
        BenchmarkReport.write(output, results, calibrations, rows, warmUp.toSeconds());
    }

    private static double cpuSeconds(ProcessHandle process) {
        return process.info().totalCpuDuration().map(cpu -> cpu.toNanos() / 1e9).orElse(-1.0);
    }

    /** A progress line: seconds since the run began, rows done (copied or already present), CPU seconds used since. */
    record Sample(double seconds, long done, double cpuSeconds) {
    }

    private static List<String> names(String list) {
        return Arrays.stream(list.split(",")).map(String::trim).filter(name -> !name.isEmpty()).toList();
    }

    private static List<Integer> integers(String list) {
        return names(list).stream().map(Integer::valueOf).toList();
    }
}
