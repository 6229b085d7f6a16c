package io.github.s3migration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The end-to-end comparison's outputs: end-to-end.csv and end-to-end.md. */
final class EndToEndReport {

    private EndToEndReport() {
    }

    /**
     * One run, from the process's start to its exit.
     *
     * @param legacyRows the rows legacy before the run: each client's work
     * @param rowsMigrated those at their target key after the run (rclone updates none)
     * @param objectsCopied those with their object at the target key after the run
     * @param cpuSeconds the whole process's CPU time
     * @param migrationSeconds the job's migration phase, from its summary line; NaN for the other clients
     */
    record Result(String latency, String client, int parallelism, int batchSize, long legacyRows, long rowsMigrated,
            long objectsCopied, double wallSeconds, double cpuSeconds, double migrationSeconds, int exitCode) {

        double rowsPerSecond() {
            return legacyRows / wallSeconds;
        }

        double cpuSecondsPer1000Rows() {
            return cpuSeconds * 1000 / legacyRows;
        }

        String describe() {
            return String.format(Locale.ROOT, "%-10s %-24s P=%-4d B=%-5s %6d legacy rows: %6d migrated, %6d copied,"
                    + " %7.1f s%s, %7.1f rows/s, CPU %6.1f s, %.3f s per 1000 rows, exit %d", latency, client,
                    parallelism, MarkdownResults.batch(batchSize), legacyRows, rowsMigrated, objectsCopied, wallSeconds,
                    Double.isNaN(migrationSeconds) ? "" : " (migration " + migrationSecondsText() + " s)",
                    rowsPerSecond(), cpuSeconds, cpuSecondsPer1000Rows(), exitCode);
        }

        private String migrationSecondsText() {
            return Double.isNaN(migrationSeconds) ? "-" : String.format(Locale.ROOT, "%.1f", migrationSeconds);
        }
    }

    static void write(Path directory, List<Result> results, List<String> calibrations, BenchmarkOptions options)
            throws IOException {
        List<String> csv = new ArrayList<>();
        csv.add("latency,client,parallelism,batch_size,legacy_rows,rows_migrated,objects_copied,wall_s,"
                + "migration_s,rows_per_s,cpu_s,cpu_s_per_1000_rows,exit_code");
        for (Result r : results) {
            csv.add(String.format(Locale.ROOT, "%s,%s,%d,%s,%d,%d,%d,%.2f,%s,%.1f,%.2f,%.4f,%d", r.latency(),
                    r.client(), r.parallelism(), r.batchSize() > 0 ? Integer.toString(r.batchSize()) : "",
                    r.legacyRows(), r.rowsMigrated(), r.objectsCopied(), r.wallSeconds(),
                    Double.isNaN(r.migrationSeconds()) ? "" : String.format(Locale.ROOT, "%.2f", r.migrationSeconds()),
                    r.rowsPerSecond(), r.cpuSeconds(), r.cpuSecondsPer1000Rows(), r.exitCode()));
        }
        Files.write(directory.resolve("end-to-end.csv"), csv);

        Files.write(directory.resolve("end-to-end.md"), MarkdownResults.page("End to end: " + 2 * options.rows()
                + " rows prepared per latency, about half legacy; each run from its process's start to its exit (at"
                + " most " + options.maxRun().toSeconds() + " s), undone before the next. Rows/s: legacy rows / wall"
                + " seconds; CPU: the whole process's.", calibrations, List.of("latency", "client", "parallelism",
                        "batch", "legacy rows", "rows migrated", "objects copied", "wall s", "job's migration s",
                        "rows/s", "CPU s / 1000 rows", "exit"),
                results.stream().map(r -> String.format(Locale.ROOT,
                        "| %s | %s | %d | %s | %d | %d | %d | %.1f | %s | %.0f | %.3f | %d |", r.latency(), r.client(),
                        r.parallelism(), MarkdownResults.batch(r.batchSize()), r.legacyRows(), r.rowsMigrated(),
                        r.objectsCopied(), r.wallSeconds(), r.migrationSecondsText(), r.rowsPerSecond(),
                        r.cpuSecondsPer1000Rows(), r.exitCode())).toList()));
    }
}
