package io.github.s3migration;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of the job: the keyset cursor the poller reads from, the counters, and the moment the run is done (no legacy
 * row left to hand out and every handed-out batch finished).
 */
public final class MigrationRun {

    /** The job finished and nothing was dead-lettered. */
    public static final int EXIT_DONE = 0;
    /** The job could not run: bad configuration, connection or permission failure. */
    public static final int EXIT_CANNOT_RUN = 1;
    /** The job finished but some rows went to dead letters. */
    public static final int EXIT_DEAD_LETTERS = 2;
    /** The job was stopped before it finished; a re-run carries on. */
    public static final int EXIT_INTERRUPTED = 130;

    private static final Logger LOG = LoggerFactory.getLogger(MigrationRun.class);

    private final String runId = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
            + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
    private volatile long startNanos = System.nanoTime();
    private final LongAdder copied = new LongAdder();
    private final LongAdder skippedExisting = new LongAdder();
    private final LongAdder rowsUpdated = new LongAdder();
    private final LongAdder rowsChangedMeanwhile = new LongAdder();
    private final LongAdder deadLetters = new LongAdder();
    private final List<Runnable> whenFinished = new ArrayList<>();

    private volatile long lastHandedOutId = Long.MIN_VALUE;
    private long batchesHandedOut;
    private long batchesFinished;
    private boolean allHandedOut;
    private boolean finished;

    public String runId() {
        return runId;
    }

    /** Elapsed time and rates count from here: after the checks and the status, when rows start to move. */
    public void startClock() {
        startNanos = System.nanoTime();
    }

    /** The poller's keyset cursor: only rows with a greater id are handed out, so none is handed out twice. */
    public long lastHandedOutId() {
        return lastHandedOutId;
    }

    public synchronized void handOut(List<Map<String, Object>> rows) {
        lastHandedOutId = ((Number) rows.get(rows.size() - 1).get("id")).longValue();
        batchesHandedOut++;
    }

    public void noMoreRows() {
        finishIfDone(() -> allHandedOut = true);
    }

    public void batchFinished() {
        finishIfDone(() -> batchesFinished++);
    }

    public void copied() {
        copied.increment();
    }

    public void skippedExisting() {
        skippedExisting.increment();
    }

    public void deadLettered() {
        deadLetters.increment();
    }

    /** The guarded update leaves alone a row whose key changed since it was read; say so rather than hide it. */
    public void rowsUpdated(int expected, int updated) {
        rowsUpdated.add(updated);
        if (updated < expected) {
            rowsChangedMeanwhile.add(expected - updated);
            LOG.warn("WARNING: {} of {} rows changed in the database while their objects were copied; left as they are",
                    expected - updated, expected);
        }
    }

    /** Runs the action once the run is done, at once if it already is. */
    public void whenFinished(Runnable action) {
        boolean runNow;
        synchronized (this) {
            runNow = finished;
            if (!finished) {
                whenFinished.add(action);
            }
        }
        if (runNow) {
            action.run();
        }
    }

    private void finishIfDone(Runnable update) {
        List<Runnable> actions;
        synchronized (this) {
            update.run();
            if (finished || !allHandedOut || batchesFinished < batchesHandedOut) {
                return;
            }
            finished = true;
            actions = List.copyOf(whenFinished);
        }
        actions.forEach(Runnable::run);
    }

    public synchronized boolean isFinished() {
        return finished;
    }

    public int exitCode() {
        if (!isFinished()) {
            return EXIT_INTERRUPTED;
        }
        return deadLetters.sum() > 0 ? EXIT_DEAD_LETTERS : EXIT_DONE;
    }

    public long deadLetters() {
        return deadLetters.sum();
    }

    public String summary() {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        long updated = rowsUpdated.sum();
        return String.format("%s after %.2f seconds: %d files copied, %d already present, %d rows updated,"
                        + " %d rows changed meanwhile, %d dead letters, %.1f rows/s",
                isFinished() ? "Migration finished" : "Migration stopped", seconds, copied.sum(), skippedExisting.sum(),
                updated, rowsChangedMeanwhile.sum(), deadLetters.sum(), seconds > 0 ? updated / seconds : 0.0);
    }
}
