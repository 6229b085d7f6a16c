package io.github.s3migration;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/** The benchmark's {@code bench.*} options, from system properties (the bench profile in pom.xml passes them). */
record BenchmarkOptions(int rows, List<Integer> parallelisms, List<Integer> batchSizes, List<Latency> latencies,
        List<String> baselineClients, List<String> jobHttpClients, Duration warmUp, Duration maxRun,
        List<String> jobJvmOptions, Path output, boolean objectsOnDisk, boolean endToEnd, List<String> endToEndClients,
        List<Integer> shards) {

    static BenchmarkOptions fromSystemProperties() {
        int metadataMillis = Integer.getInteger("bench.cloud.metadata-ms", 26);
        int copyMillis = Integer.getInteger("bench.cloud.copy-ms", 68);
        CopyTail tail = CopyTail.parse(System.getProperty("bench.tail", "0.005:5000"));
        return new BenchmarkOptions(
                Integer.getInteger("bench.rows", 50_000),
                integers(System.getProperty("bench.parallelism", "1,4,16,64,128,256")),
                integers(System.getProperty("bench.batch-sizes", "10,100,1000")),
                names(System.getProperty("bench.latencies", "0ms,cloud")).stream()
                        .map(name -> Latency.named(name, metadataMillis, copyMillis, tail)).toList(),
                names(System.getProperty("bench.baseline-clients", "crt")),
                names(System.getProperty("bench.http-clients", "crt")),
                Duration.ofSeconds(Integer.getInteger("bench.warmup-seconds", 10)),
                Duration.ofSeconds(Integer.getInteger("bench.max-seconds", 90)),
                // The job's and the minimal clients': those of mvn camel:run, then bench.job-jvm-options.
                Stream.concat(JavaCommand.projectJvmOptions().stream(),
                        Stream.of(System.getProperty("bench.job-jvm-options", "").split(" ")))
                        .filter(option -> !option.isBlank()).toList(),
                Path.of(System.getProperty("bench.output", "target/bench")),
                Boolean.getBoolean("bench.objects-on-disk"),
                Boolean.getBoolean("bench.end-to-end"),
                names(System.getProperty("bench.end-to-end.clients", "migration,copy-and-update,rclone")),
                integers(System.getProperty("bench.shards", "")));
    }

    /** {@code bench.shards} set: the {@link ShardComparison} instead of the steady-state or end-to-end one. */
    boolean comparesShards() {
        return !shards.isEmpty();
    }

    /** End to end and by shards: about half the prepared rows legacy, twice {@code bench.rows} of them. */
    boolean halfLegacy() {
        return endToEnd || comparesShards();
    }

    /** Where one run's output goes. */
    Path runLog(Latency latency, String client, int parallelism, int batchSize) {
        return output.resolve("logs").resolve(latency.name() + "-" + client.replaceAll("[^A-Za-z0-9]+", "-") + "-p"
                + parallelism + (batchSize > 0 ? "-b" + batchSize : "") + ".log");
    }

    private static List<String> names(String list) {
        return Arrays.stream(list.split(",")).map(String::trim).filter(name -> !name.isEmpty()).toList();
    }

    private static List<Integer> integers(String list) {
        return names(list).stream().map(Integer::valueOf).toList();
    }
}
