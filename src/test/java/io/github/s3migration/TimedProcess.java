package io.github.s3migration;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command to its end, its output to a log file, and measures the whole process: wall-clock time from its start
 * to its exit, and CPU time as the kernel adds it up for this JVM's children once they are waited for (cutime and
 * cstime in /proc/self/stat), read before the start and after the exit. That count is exact at exit and covers every
 * thread, where the process's own counter (ProcessHandle.Info, /proc/pid/stat) can only be sampled while it lives and
 * misses its end. It holds while no other child of this JVM ends meanwhile: the runs are one at a time, and the S3
 * server's process lives on through them.
 */
final class TimedProcess {

    /** Clock ticks per second of the /proc counters (USER_HZ). */
    private static final long TICKS_PER_SECOND = clockTicksPerSecond();

    record Outcome(double wallSeconds, double cpuSeconds, int exitCode) {
    }

    private TimedProcess() {
    }

    /** @param cap after this long the process gets a SIGTERM, as from an operator's Ctrl-C */
    static Outcome run(List<String> command, Map<String, String> environment, Path log, Duration cap)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            double cpuBefore = childrenCpuSeconds();
            long start = System.nanoTime();
            Process process = builder.start();
            timer.schedule(process::destroy, cap.toMillis(), TimeUnit.MILLISECONDS);
            int exitCode = process.waitFor();
            return new Outcome((System.nanoTime() - start) / 1e9, childrenCpuSeconds() - cpuBefore, exitCode);
        } finally {
            timer.shutdownNow();
        }
    }

    private static double childrenCpuSeconds() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        // After the command name in brackets, which may hold spaces: field 3 (state) onwards; cutime and cstime are
        // fields 16 and 17.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[13]) + Long.parseLong(fields[14])) / (double) TICKS_PER_SECOND;
    }

    private static long clockTicksPerSecond() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String ticks = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            getconf.waitFor();
            return Long.parseLong(ticks);
        } catch (IOException | InterruptedException | RuntimeException e) {
            throw new IllegalStateException("No clock ticks per second from getconf CLK_TCK", e);
        }
    }
}
