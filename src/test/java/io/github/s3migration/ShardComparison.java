package io.github.s3migration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.sql.DataSource;

import software.amazon.awssdk.services.s3.S3Client;

/**
 * The shard comparison at one latency, over a table prepared as for the end-to-end comparison (about half the rows
 * legacy): at each parallelism (per process) and each shard count N of {@code bench.shards}, at the first batch size
 * and the first job HTTP client, the job's plan step ({@code migration.mode=plan}) gives the shards' id range, then N
 * job processes, one per shard, start together and are timed as a whole by {@link TimedProcess}; each run is undone by
 * {@link OriginalLegacyRows} before the next.
 */
final class ShardComparison {

    private static final Pattern PLAN_LINE = Pattern.compile("^MIGRATION_SHARD_(COUNT|ID_MIN|ID_MAX)=(-?\\d+)\\s*$");

    private final BenchmarkOptions options;
    private final JobProperties job;
    private final OriginalLegacyRows legacyRows;

    ShardComparison(BenchmarkOptions options, MigrationSettings dataset, JobProperties job, DataSource dataSource,
            S3Client s3) throws Exception {
        this.options = options;
        this.job = job;
        this.legacyRows = OriginalLegacyRows.remember(dataSource, s3, dataset);
    }

    void run(Latency latency, EndToEndComparison.Report<ShardReport.Result> report) throws Exception {
        int batchSize = options.batchSizes().get(0);
        String httpClient = options.jobHttpClients().get(0);
        for (int parallelism : options.parallelisms()) {
            for (int shards : options.shards()) {
                report.add(measure(latency, shards, parallelism, batchSize, httpClient));
            }
        }
    }

    private ShardReport.Result measure(Latency latency, int shards, int parallelism, int batchSize,
            String httpClient) throws Exception {
        if (shards < 1) {
            throw new IllegalArgumentException("bench.shards: " + shards + " shards");
        }
        legacyRows.restore();
        Map<String, String> plan = plan(options.runLog(latency, "shards plan " + shards, parallelism, batchSize),
                shards);
        List<TimedProcess.Command> commands = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        for (int index = 0; index < shards; index++) {
            Map<String, String> properties = job.at(parallelism, batchSize, httpClient);
            properties.putAll(plan);
            properties.put("migration.shard.index", Integer.toString(index));
            Path log = options.runLog(latency, "shard " + index + " of " + shards, parallelism, batchSize);
            logs.add(log);
            commands.add(new TimedProcess.Command(JavaCommand.of(options.jobJvmOptions(), properties,
                    MigrationApplication.class.getName()), Map.of(), log));
        }
        double machineBefore = TimedProcess.machineBusySeconds();
        TimedProcess.Outcome outcome = TimedProcess.runTogether(commands, options.maxRun());
        double machineBusy = TimedProcess.machineBusySeconds() - machineBefore;
        // The shards' migration phases overlap: the longest is the migration's.
        double migrationSeconds = Double.NEGATIVE_INFINITY;
        for (Path log : logs) {
            migrationSeconds = Math.max(migrationSeconds, EndToEndComparison.migrationSeconds(log));
        }
        return new ShardReport.Result(latency.name(), "migration (" + httpClient + ")", shards, parallelism,
                batchSize, legacyRows.count(), legacyRows.migrated(), legacyRows.copied(), outcome.wallSeconds(),
                outcome.cpuSeconds(), machineBusy, migrationSeconds, outcome.exitCodes());
    }

    /**
     * The job's plan step for {@code shards} shards, as a process: the shard properties its console gives, which all
     * shards of the plan share.
     */
    private Map<String, String> plan(Path log, int shards) throws Exception {
        TimedProcess.Outcome outcome = TimedProcess.run(JavaCommand.of(options.jobJvmOptions(), job.with(Map.of(
                "migration.mode", "plan", "migration.shard.count", Integer.toString(shards))),
                MigrationApplication.class.getName()), Map.of(), log, options.maxRun());
        Map<String, String> plan = new LinkedHashMap<>();
        try (Stream<String> lines = Files.lines(log)) {
            lines.map(PLAN_LINE::matcher).filter(Matcher::matches).forEach(line -> plan.put(
                    "migration.shard." + line.group(1).toLowerCase(Locale.ROOT).replace('_', '-'), line.group(2)));
        }
        if (outcome.exitCode() != 0 || plan.size() != 3
                || !plan.get("migration.shard.count").equals(Integer.toString(shards))) {
            throw new IllegalStateException("The plan step for " + shards + " shards exited with "
                    + outcome.exitCode() + " and gave " + plan + " (MIGRATION_SHARD_COUNT=" + shards
                    + ", MIGRATION_SHARD_ID_MIN and MIGRATION_SHARD_ID_MAX expected): see " + log);
        }
        System.out.printf("Plan for %d shards: ids %s to %s (%.1f s)%n", shards, plan.get("migration.shard.id-min"),
                plan.get("migration.shard.id-max"), outcome.wallSeconds());
        return plan;
    }
}
