package io.github.s3migration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The benchmark's outputs: benchmark.csv, benchmark.md and rows-per-second-{latency}.png. */
final class BenchmarkReport {

    private BenchmarkReport() {
    }

    /**
     * One run. Steady figures cover the samples after the warm-up and before the last rows (the drain of the final
     * batches); warm-up figures cover the first seconds after rows started to move (JVM start and checks excluded).
     */
    record Result(String latency, String client, int parallelism, int batchSize, long rowsMigrated, double seconds,
            double warmUpRowsPerSecond, double steadyRowsPerSecond, double steadyCpuSecondsPer1000Rows,
            double cpuSecondsPer1000Rows, int exitCode) {

        static Result of(String latency, String client, int parallelism, int batchSize, long rows, long rowsMigrated,
                int exitCode, List<MigrationBenchmark.Sample> samples, double warmUpSeconds) {
            if (samples.isEmpty()) {
                return new Result(latency, client, parallelism, batchSize, Math.max(0, rowsMigrated), 0, 0, 0, 0, 0,
                        exitCode);
            }
            MigrationBenchmark.Sample last = samples.get(samples.size() - 1);
            MigrationBenchmark.Sample warm = samples.stream().filter(s -> s.seconds() >= warmUpSeconds).findFirst()
                    .orElse(samples.get(0));
            MigrationBenchmark.Sample end = samples.stream().filter(s -> s.done() < rows).reduce((a, b) -> b)
                    .orElse(last);
            if (end.seconds() - warm.seconds() < 2) {
                warm = samples.get(0);
                end = last;
            }
            double steadySeconds = end.seconds() - warm.seconds();
            long steadyRows = end.done() - warm.done();
            MigrationBenchmark.Sample warmUpEnd = samples.stream().filter(s -> s.seconds() <= warmUpSeconds)
                    .reduce((a, b) -> b).orElse(samples.get(0));
            return new Result(latency, client, parallelism, batchSize, rowsMigrated, last.seconds(),
                    warmUpEnd.seconds() > 0 ? warmUpEnd.done() / warmUpEnd.seconds() : 0,
                    steadySeconds > 0 ? steadyRows / steadySeconds : 0,
                    steadyRows > 0 ? (end.cpuSeconds() - warm.cpuSeconds()) * 1000 / steadyRows : 0,
                    last.done() > 0 ? last.cpuSeconds() * 1000 / last.done() : 0,
                    exitCode);
        }

        String describe() {
            return String.format(Locale.ROOT, "%-10s %-28s P=%-4d B=%-5s %7d rows in %6.1f s: steady %7.1f rows/s,"
                    + " warm-up %7.1f rows/s, client CPU %.3f s per 1000 rows steady (%.3f overall), exit %d",
                    latency, client, parallelism, MarkdownResults.batch(batchSize), rowsMigrated,
                    seconds, steadyRowsPerSecond, warmUpRowsPerSecond, steadyCpuSecondsPer1000Rows,
                    cpuSecondsPer1000Rows, exitCode);
        }
    }

    static void write(Path directory, List<Result> results, List<String> calibrations, int rows, long warmUpSeconds)
            throws IOException {
        List<String> csv = new ArrayList<>();
        csv.add("latency,client,parallelism,batch_size,rows_migrated,seconds,warmup_rows_per_s,steady_rows_per_s,"
                + "steady_cpu_s_per_1000_rows,overall_cpu_s_per_1000_rows,exit_code");
        for (Result r : results) {
            csv.add(String.format(Locale.ROOT, "%s,%s,%d,%s,%d,%.1f,%.1f,%.1f,%.4f,%.4f,%d", r.latency(), r.client(),
                    r.parallelism(), r.batchSize() > 0 ? Integer.toString(r.batchSize()) : "", r.rowsMigrated(),
                    r.seconds(), r.warmUpRowsPerSecond(), r.steadyRowsPerSecond(), r.steadyCpuSecondsPer1000Rows(),
                    r.cpuSecondsPer1000Rows(), r.exitCode()));
        }
        Files.write(directory.resolve("benchmark.csv"), csv);

        Files.write(directory.resolve("benchmark.md"), MarkdownResults.page("Rows prepared per run: " + rows
                + " (each run stops at the cap or when all are migrated); warm-up: first " + warmUpSeconds
                + " s after rows start to move.", calibrations, List.of("latency", "client", "parallelism", "batch",
                        "rows migrated", "steady rows/s", "warm-up rows/s", "client CPU s / 1000 rows (steady)",
                        "exit"),
                results.stream().map(r -> String.format(Locale.ROOT,
                        "| %s | %s | %d | %s | %d | %.0f | %.0f | %.3f | %d |", r.latency(), r.client(),
                        r.parallelism(), MarkdownResults.batch(r.batchSize()), r.rowsMigrated(),
                        r.steadyRowsPerSecond(), r.warmUpRowsPerSecond(), r.steadyCpuSecondsPer1000Rows(),
                        r.exitCode())).toList()));

        Map<String, Map<String, List<Result>>> byLatencyAndSeries = new TreeMap<>();
        for (Result r : results) {
            String series = r.batchSize() > 0 ? r.client() + ", batch " + r.batchSize() : r.client();
            byLatencyAndSeries.computeIfAbsent(r.latency(), k -> new TreeMap<>())
                    .computeIfAbsent(series, k -> new ArrayList<>()).add(r);
        }
        for (var latency : byLatencyAndSeries.entrySet()) {
            XYChart chart = new XYChartBuilder().width(900).height(560)
                    .title("Rows migrated per second at steady state, S3 latency " + latency.getKey())
                    .xAxisTitle("parallelism (S3 requests in flight)").yAxisTitle("rows/s").build();
            chart.getStyler().setXAxisLogarithmic(true);
            chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
            for (var series : latency.getValue().entrySet()) {
                List<Result> points = series.getValue();
                chart.addSeries(series.getKey(),
                        points.stream().mapToDouble(Result::parallelism).toArray(),
                        points.stream().mapToDouble(Result::steadyRowsPerSecond).toArray())
                        .setMarker(SeriesMarkers.CIRCLE);
            }
            BitmapEncoder.saveBitmap(chart, directory.resolve("rows-per-second-" + latency.getKey()).toString(),
                    BitmapEncoder.BitmapFormat.PNG);
        }
    }
}
