package io.github.s3migration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import software.amazon.awssdk.services.s3.S3Client;

/**
 * The end-to-end comparison at one latency, over a prepared table of which about half the rows are legacy: at each
 * parallelism, the job and the {@link CopyAndUpdateClient} at each batch size and HTTP client, then
 * {@link RcloneCopy rclone}, each a fresh process run to its exit and timed by {@link TimedProcess}, each run undone
 * by {@link OriginalLegacyRows} before the next.
 */
final class EndToEndComparison {

    /** Takes each result as it comes: the reports are written again after each run. */
    @FunctionalInterface
    interface Report<R> {
        void add(R result) throws IOException;
    }

    private static final Pattern MIGRATION_SECONDS = Pattern.compile("Migration finished after ([0-9.]+) seconds");

    private final BenchmarkOptions options;
    private final MigrationSettings dataset;
    private final ConnectionSettings connection;
    private final JobProperties job;
    private final OriginalLegacyRows legacyRows;

    EndToEndComparison(BenchmarkOptions options, MigrationSettings dataset, ConnectionSettings connection,
            JobProperties job, DataSource dataSource, S3Client s3) throws Exception {
        this.options = options;
        this.dataset = dataset;
        this.connection = connection;
        this.job = job;
        this.legacyRows = OriginalLegacyRows.remember(dataSource, s3, dataset);
    }

    void run(Latency latency, Report<EndToEndReport.Result> report) throws Exception {
        List<String> clients = options.endToEndClients();
        boolean rclone = clients.contains("rclone") && RcloneCopy.installed();
        if (clients.contains("rclone") && !rclone) {
            System.out.println("rclone is not installed (no rclone on PATH): its runs are skipped");
        }
        for (int parallelism : options.parallelisms()) {
            for (int batchSize : options.batchSizes()) {
                for (String httpClient : options.jobHttpClients()) {
                    Map<String, String> point = job.at(parallelism, batchSize, httpClient);
                    if (clients.contains("migration")) {
                        report.add(measure(latency, "migration (" + httpClient + ")", parallelism, batchSize,
                                JavaCommand.of(options.jobJvmOptions(), point, MigrationApplication.class.getName()),
                                Map.of()));
                    }
                    if (clients.contains("copy-and-update")) {
                        report.add(measure(latency, "copy and update (" + httpClient + ")", parallelism, batchSize,
                                JavaCommand.of(options.jobJvmOptions(), withDataset(point),
                                        CopyAndUpdateClient.class.getName()), Map.of()));
                    }
                }
            }
            if (rclone) {
                report.add(measure(latency, "rclone", parallelism, 0, RcloneCopy.command(dataset, parallelism),
                        RcloneCopy.environment(connection)));
            }
        }
    }

    /** The client has none of the job's defaults: it is told the table, bucket and prefix names too. */
    private Map<String, String> withDataset(Map<String, String> point) {
        Map<String, String> properties = new LinkedHashMap<>(Map.of("migration.table", dataset.table(),
                "migration.id-column", dataset.idColumn(), "migration.key-column", dataset.keyColumn(),
                "migration.source.bucket", dataset.sourceBucket(), "migration.source.prefix", dataset.sourcePrefix(),
                "migration.target.bucket", dataset.targetBucket(), "migration.target.prefix", dataset.targetPrefix()));
        // The job's own properties last, so that -Dbench.job.* overrides reach the client as well.
        properties.putAll(point);
        return properties;
    }

    private EndToEndReport.Result measure(Latency latency, String client, int parallelism, int batchSize,
            List<String> command, Map<String, String> environment) throws Exception {
        legacyRows.restore();
        Path log = options.runLog(latency, "end to end " + client, parallelism, batchSize);
        TimedProcess.Outcome outcome = TimedProcess.run(command, environment, log, options.maxRun());
        return new EndToEndReport.Result(latency.name(), client, parallelism, batchSize, legacyRows.count(),
                legacyRows.migrated(), legacyRows.copied(), outcome.wallSeconds(), outcome.cpuSeconds(),
                migrationSeconds(log), outcome.exitCode());
    }

    /** The job's migration phase, from its summary line in its log; NaN without one. */
    static double migrationSeconds(Path log) throws IOException {
        try (var lines = Files.lines(log)) {
            return lines.map(MIGRATION_SECONDS::matcher).filter(Matcher::find).mapToDouble(m -> Double.parseDouble(
                    m.group(1))).findFirst().orElse(Double.NaN);
        }
    }
}
