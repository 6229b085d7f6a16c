package io.github.s3migration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The shard comparison's outputs: shards.csv and shards.md. */
final class ShardReport {

    private ShardReport() {
    }

    /**
     * One run of {@code shards} job processes started together, from the first start to the last exit.
     *
     * @param parallelism each process's
     * @param legacyRows the rows legacy before the run: the shards' work together
     * @param rowsMigrated those at their target key after the run
     * @param objectsCopied those with their object at the target key after the run
     * @param cpuSeconds the job processes' CPU time, summed
     * @param machineBusySeconds the whole machine's busy CPU time meanwhile: the job processes, the S3 server,
     *     PostgreSQL and anything else
     * @param migrationSeconds the longest migration phase among the shards, from their summary lines; NaN if a shard
     *     printed none
     * @param exitCodes each shard's, by index
     */
    record Result(String latency, String client, int shards, int parallelism, int batchSize, long legacyRows,
            long rowsMigrated, long objectsCopied, double wallSeconds, double cpuSeconds, double machineBusySeconds,
            double migrationSeconds, List<Integer> exitCodes) {

        /** Every legacy row migrated, and every shard exited 0. */
        boolean succeeded() {
            return rowsMigrated == legacyRows && exitCodes.stream().allMatch(code -> code == 0);
        }

        double rowsPerSecond() {
            return legacyRows / wallSeconds;
        }

        double migrationRowsPerSecond() {
            return legacyRows / migrationSeconds;
        }

        double cpuSecondsPer1000Rows() {
            return cpuSeconds * 1000 / legacyRows;
        }

        /** What the servers (and anything else) took beside the job processes, per 1,000 rows. */
        double otherCpuSecondsPer1000Rows() {
            return Math.max(0, machineBusySeconds - cpuSeconds) * 1000 / legacyRows;
        }

        /** How busy the machine's cores were, on average from the first start to the last exit. */
        double machineBusyShare() {
            return machineBusySeconds / (Runtime.getRuntime().availableProcessors() * wallSeconds);
        }

        String exitCodesText() {
            return exitCodes.stream().map(String::valueOf).collect(Collectors.joining(" "));
        }

        String describe() {
            return String.format(Locale.ROOT, "%-10s %-18s N=%-2d P=%-4d B=%-5d %6d legacy rows: %6d migrated,"
                    + " %6d copied, %7.1f s (migration %s s), %7.1f rows/s (migration %s rows/s), CPU %6.1f s,"
                    + " %.3f s per 1000 rows (servers and the rest %.3f s, machine %.0f %% busy), exit %s%s", latency,
                    client, shards, parallelism, batchSize, legacyRows, rowsMigrated, objectsCopied, wallSeconds,
                    figure(migrationSeconds, "%.1f"), rowsPerSecond(), figure(migrationRowsPerSecond(), "%.1f"),
                    cpuSeconds, cpuSecondsPer1000Rows(), otherCpuSecondsPer1000Rows(), 100 * machineBusyShare(),
                    exitCodesText(),
                    succeeded() ? "" : "  FAILED: " + failure());
        }

        private String failure() {
            return rowsMigrated != legacyRows ? (legacyRows - rowsMigrated) + " of " + legacyRows
                    + " legacy rows not migrated" : "every legacy row migrated, but a shard exited with an error";
        }
    }

    static void write(Path directory, List<Result> results, List<String> calibrations, BenchmarkOptions options)
            throws IOException {
        List<String> csv = new ArrayList<>();
        csv.add("latency,client,shards,parallelism_per_process,batch_size,legacy_rows,rows_migrated,objects_copied,"
                + "wall_s,migration_s,rows_per_s,migration_rows_per_s,cpu_s,cpu_s_per_1000_rows,"
                + "other_cpu_s_per_1000_rows,machine_busy_share,exit_codes,all_migrated");
        for (Result r : results) {
            csv.add(String.format(Locale.ROOT, "%s,%s,%d,%d,%d,%d,%d,%d,%.2f,%s,%.1f,%s,%.2f,%.4f,%.4f,%.3f,%s,%b",
                    r.latency(), r.client(), r.shards(), r.parallelism(), r.batchSize(), r.legacyRows(),
                    r.rowsMigrated(), r.objectsCopied(), r.wallSeconds(), csvFigure(r.migrationSeconds(), "%.2f"),
                    r.rowsPerSecond(), csvFigure(r.migrationRowsPerSecond(), "%.1f"), r.cpuSeconds(),
                    r.cpuSecondsPer1000Rows(), r.otherCpuSecondsPer1000Rows(), r.machineBusyShare(), r.exitCodesText(),
                    r.rowsMigrated() == r.legacyRows()));
        }
        Files.write(directory.resolve("shards.csv"), csv);

        Files.write(directory.resolve("shards.md"), MarkdownResults.page("Shards: " + 2 * options.rows()
                + " rows prepared per latency, about half legacy; each run the plan step, then N job processes (one a"
                + " shard) started together, from the first start to the last exit (at most "
                + options.maxRun().toSeconds() + " s), undone before the next. Parallelism is each process's. Rows/s:"
                + " legacy rows / wall seconds, and / the longest shard's migration phase; CPU: all the job processes'"
                + " together (the plan step's not included); servers and the rest: the machine's busy CPU beside"
                + " them (/proc/stat), mostly the S3 server and PostgreSQL.", calibrations, List.of("latency", "client",
                        "shards", "parallelism per process", "batch", "legacy rows", "rows migrated", "objects copied",
                        "wall s", "longest migration s", "rows/s", "rows/s of the migration", "CPU s / 1000 rows",
                        "servers and the rest, CPU s / 1000 rows", "machine busy", "exit codes"),
                results.stream().map(r -> String.format(Locale.ROOT,
                        "| %s | %s | %d | %d | %d | %d | %s | %d | %.1f | %s | %.0f | %s | %.3f | %.3f | %.0f %% | %s |",
                        r.latency(), r.client(), r.shards(), r.parallelism(), r.batchSize(), r.legacyRows(),
                        r.rowsMigrated() + (r.rowsMigrated() == r.legacyRows() ? "" : " (not all)"), r.objectsCopied(),
                        r.wallSeconds(), figure(r.migrationSeconds(), "%.1f"), r.rowsPerSecond(),
                        figure(r.migrationRowsPerSecond(), "%.0f"), r.cpuSecondsPer1000Rows(),
                        r.otherCpuSecondsPer1000Rows(), 100 * r.machineBusyShare(), r.exitCodesText())).toList()));
    }

    /** A figure, or - where a shard gave no migration time. */
    private static String figure(double value, String format) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, format, value);
    }

    private static String csvFigure(double value, String format) {
        return Double.isNaN(value) ? "" : String.format(Locale.ROOT, format, value);
    }
}
