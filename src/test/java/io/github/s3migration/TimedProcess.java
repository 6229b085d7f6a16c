package io.github.s3migration;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command, or several started together, to their end, each one's output to a log file of its own, and measures
 * them as a whole: wall-clock time from the first start to the last exit, and CPU time as the kernel adds it up for
 * this JVM's children once they are waited for (cutime and cstime in /proc/self/stat), read before the first start and
 * after the last exit: the sum over the processes. That count is exact at exit and covers every thread, where a
 * process's own counter (ProcessHandle.Info, /proc/pid/stat) can only be sampled while it lives and misses its end. It
 * holds while no other child of this JVM ends meanwhile: the runs are one at a time, and the S3 server's process lives
 * on through them.
 */
final class TimedProcess {

    /** Clock ticks per second of the /proc counters (USER_HZ). */
    private static final long TICKS_PER_SECOND = clockTicksPerSecond();

    /** One process to start: its command line, what it adds to the environment, and where its output goes. */
    record Command(List<String> command, Map<String, String> environment, Path log) {
    }

    /**
     * @param cpuSeconds the processes' CPU time, summed
     * @param exitCodes each process's, in the order of the commands
     */
    record Outcome(double wallSeconds, double cpuSeconds, List<Integer> exitCodes) {

        /** The exit code of the run's only process. */
        int exitCode() {
            if (exitCodes.size() != 1) {
                throw new IllegalStateException(exitCodes.size() + " processes, not one: " + exitCodes);
            }
            return exitCodes.get(0);
        }
    }

    private TimedProcess() {
    }

    /** @param cap after this long the process gets a SIGTERM, as from an operator's Ctrl-C */
    static Outcome run(List<String> command, Map<String, String> environment, Path log, Duration cap)
            throws IOException, InterruptedException {
        return runTogether(List.of(new Command(command, environment, log)), cap);
    }

    /**
     * Starts every command, one right after the other, then waits for them all.
     *
     * @param cap this long after the first start, each process still running gets a SIGTERM
     */
    static Outcome runTogether(List<Command> commands, Duration cap) throws IOException, InterruptedException {
        List<ProcessBuilder> builders = new ArrayList<>();
        for (Command command : commands) {
            ProcessBuilder builder = new ProcessBuilder(command.command()).redirectErrorStream(true)
                    .redirectOutput(command.log().toFile());
            builder.environment().putAll(command.environment());
            builders.add(builder);
        }
        List<Process> processes = new ArrayList<>();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            double cpuBefore = childrenCpuSeconds();
            long start = System.nanoTime();
            for (ProcessBuilder builder : builders) {
                processes.add(builder.start());
            }
            timer.schedule(() -> processes.forEach(Process::destroy), cap.toMillis(), TimeUnit.MILLISECONDS);
            List<Integer> exitCodes = new ArrayList<>();
            for (Process process : processes) {
                exitCodes.add(process.waitFor());
            }
            return new Outcome((System.nanoTime() - start) / 1e9, childrenCpuSeconds() - cpuBefore,
                    List.copyOf(exitCodes));
        } finally {
            timer.shutdownNow();
            // Those started before one failed to start, or left running when this thread was interrupted.
            processes.stream().filter(Process::isAlive).forEach(Process::destroy);
        }
    }

    private static double childrenCpuSeconds() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        // After the command name in brackets, which may hold spaces: field 3 (state) onwards; cutime and cstime are
        // fields 16 and 17.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[13]) + Long.parseLong(fields[14])) / (double) TICKS_PER_SECOND;
    }

    /**
     * CPU seconds the whole machine has spent busy since it booted, all cores together (/proc/stat: every state but
     * idle and iowait): read before and after a run, what the servers and everything else took beside the clients.
     */
    static double machineBusySeconds() throws IOException {
        String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long busy = 0;
        for (int i = 1; i < fields.length && i <= 8; i++) {
            if (i != 4 && i != 5) {
                busy += Long.parseLong(fields[i]);
            }
        }
        return busy / (double) TICKS_PER_SECOND;
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
