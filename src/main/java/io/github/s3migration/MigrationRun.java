package io.github.s3migration;

import java.lang.management.ManagementFactory;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import com.sun.management.OperatingSystemMXBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of the job: the keyset cursor the poller reads from, the rows in flight, the counters, and the moment the run is
 * done (no legacy row left to hand out, and every row handed out updated or dead-lettered).
 */
public final class MigrationRun {

    /** The job finished and nothing was dead-lettered. */
    public static final int EXIT_DONE = 0;
    /** The job could not run: bad configuration, connection or permission failure. */
    public static final int EXIT_CANNOT_RUN = 1;
    /** The job finished but some rows went to dead letters. */
    public static final int EXIT_DEAD_LETTERS = 2;
    /** Verify or check mode found problems, such as rows pointing at an object that does not exist. */
    public static final int EXIT_PROBLEMS_FOUND = 3;
    /** Another run of the same migration holds its lock: this one wrote nothing. */
    public static final int EXIT_LOCKED = 75;
    /** The job was stopped before it finished; a re-run carries on. */
    public static final int EXIT_INTERRUPTED = 130;

    private static final Logger LOG = LoggerFactory.getLogger(MigrationRun.class);
    private static final long RATE_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final int REPLAY_PAGE = 10_000;

    private final String runId = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
            + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
    private volatile long startNanos = System.nanoTime();
    private volatile long finishNanos;
    private volatile long startCpuNanos;
    private volatile long finishCpuNanos;
    private final LongAdder copied = new LongAdder();
    private final LongAdder skippedExisting = new LongAdder();
    private final LongAdder rowsUpdated = new LongAdder();
    private final LongAdder rowsChangedMeanwhile = new LongAdder();
    private final LongAdder deadLetters = new LongAdder();
    private final LongAdder deadLettersResolved = new LongAdder();
    private final List<Runnable> whenFinished = new ArrayList<>();

    private final int maxRowsInFlight;
    private volatile long lastHandedOutId = Long.MIN_VALUE;
    private volatile long legacyRowsAtStart;
    private volatile int batchSize = 1;
    private volatile long[] replayIds;
    /**
     * Rows done at the start and at the progress lines of the last {@link #RATE_WINDOW_NANOS}; the previous line
     * stays whatever its age.
     */
    private final ArrayDeque<ProgressPoint> recentProgress =
            new ArrayDeque<>(List.of(new ProgressPoint(startNanos, 0)));
    private long rowsHandedOut;
    private long rowsFinished;
    private long batchesWritten;
    private boolean allHandedOut;
    private volatile String handOutFailure;
    private boolean finished;

    /**
     * @param maxRowsInFlight rows handed out but not yet updated or dead-lettered at most: the bound on memory, and what
     *     keeps the copy threads busy while a few slow copies hold their rows
     */
    public MigrationRun(int maxRowsInFlight) {
        this.maxRowsInFlight = maxRowsInFlight;
    }

    public String runId() {
        return runId;
    }

    /** Elapsed time, rates and progress count from here: after the checks and the status, when rows start to move. */
    public synchronized void start(long legacyRows, int rowsPerBatch) {
        legacyRowsAtStart = legacyRows;
        batchSize = rowsPerBatch;
        startNanos = System.nanoTime();
        startCpuNanos = processCpuNanos();
        recentProgress.clear();
        recentProgress.add(new ProgressPoint(startNanos, 0));
    }

    /** Replay: hand out only these rows (those with dead letters, sorted), if they are still legacy. */
    public void replayOnly(long[] sortedIds) {
        replayIds = sortedIds;
    }

    public boolean replaying() {
        return replayIds != null;
    }

    /** The rows a replay was asked to migrate, sorted; null outside replay. */
    public long[] replayIds() {
        return replayIds;
    }

    /**
     * Replay: the next ids to look for, those after the cursor (a page a poll, so that a million letters never go into
     * one query); empty outside replay.
     */
    public long[] replayPage() {
        long[] ids = replayIds;
        if (ids == null) {
            return new long[0];
        }
        int from = nextReplayIndex(ids);
        return Arrays.copyOfRange(ids, from, Math.min(ids.length, from + REPLAY_PAGE));
    }

    private int nextReplayIndex(long[] ids) {
        int index = Arrays.binarySearch(ids, lastHandedOutId);
        return index >= 0 ? index + 1 : -index - 1;
    }

    /** The poller's keyset cursor: only rows with a greater id are handed out, so none is handed out twice. */
    public long lastHandedOutId() {
        return lastHandedOutId;
    }

    /**
     * Records a page of rows as handed out, first waiting until it fits under the in-flight limit: Camel's routing is
     * asynchronous past the queue, so this wait is what keeps the poller from reading the whole table into memory.
     */
    public synchronized void handOut(List<Map<String, Object>> rows) throws InterruptedException {
        while (rowsHandedOut - rowsFinished + rows.size() > maxRowsInFlight) {
            wait();
        }
        lastHandedOutId = ((Number) rows.get(rows.size() - 1).get("id")).longValue();
        rowsHandedOut += rows.size();
        // Rows inserted since the poll that found none: the run is not done before they are.
        allHandedOut = false;
    }

    /**
     * The poll found no row to hand out. In a replay, the page of ids it looked for may all have stopped being legacy
     * while more ids follow: the cursor moves past the page, and the next poll looks at the next one.
     */
    public void noMoreRows() {
        long[] page = replayPage();
        if (replaying() && page.length > 0 && nextReplayIndex(replayIds) + page.length < replayIds.length) {
            lastHandedOutId = page[page.length - 1];
            return;
        }
        finishIfDone(() -> allHandedOut = true);
    }

    /**
     * No more rows can be handed out (the poll keeps failing): the run ends once the rows in flight are done, and its
     * exit code says it could not complete. Said once.
     */
    public void handingOutFailed(String reason) {
        finishIfDone(() -> {
            if (handOutFailure == null) {
                handOutFailure = reason;
                LOG.error("ERROR: {}; no more rows are handed out, the rows in flight finish", reason);
            }
            allHandedOut = true;
        });
    }

    public void copied() {
        copied.increment();
    }

    public void skippedExisting() {
        skippedExisting.increment();
    }

    /** A row's dead letter is its end in this run. */
    public void deadLettered() {
        deadLetters.increment();
        rowsFinished(1);
    }

    public void deadLetterResolved() {
        deadLettersResolved.increment();
    }

    public long deadLettersResolved() {
        return deadLettersResolved.sum();
    }

    /**
     * A batch update is the end of its rows in this run. The guarded update leaves alone a row whose key changed since
     * it was read; say so, naming it, rather than hide it.
     *
     * @param batch   the rows the update was for
     * @param updated the ids it updated (the statement's RETURNING rows)
     * @return the rows updated
     */
    public List<RowMigration> rowsUpdated(List<RowMigration> batch, List<Map<String, Object>> updated) {
        Set<Long> updatedIds = new HashSet<>();
        updated.forEach(row -> updatedIds.add(((Number) row.get("id")).longValue()));
        List<RowMigration> rows = new ArrayList<>(updatedIds.size());
        List<Long> changed = new ArrayList<>();
        for (RowMigration row : batch) {
            if (updatedIds.contains(row.id())) {
                rows.add(row);
            } else {
                changed.add(row.id());
            }
        }
        rowsUpdated.add(rows.size());
        if (!changed.isEmpty()) {
            rowsChangedMeanwhile.add(changed.size());
            LOG.warn("WARNING: {} of {} rows changed in the database while their objects were copied; left as they are:"
                    + " ids {}", changed.size(), batch.size(), changed);
        }
        synchronized (this) {
            batchesWritten++;
        }
        rowsFinished(batch.size());
        return rows;
    }

    private void rowsFinished(int rows) {
        finishIfDone(() -> {
            rowsFinished += rows;
            notifyAll();
        });
    }

    /** Waits until every row handed out so far is updated or dead-lettered, or the time is up; says whether they all are. */
    public synchronized boolean awaitRowsInFlight(long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (rowsFinished < rowsHandedOut) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
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
            if (finished || !allHandedOut || rowsFinished < rowsHandedOut) {
                return;
            }
            finished = true;
            finishNanos = System.nanoTime();
            finishCpuNanos = processCpuNanos();
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
        if (handOutFailure != null) {
            return rowsUpdated.sum() > 0 ? EXIT_DEAD_LETTERS : EXIT_CANNOT_RUN;
        }
        return deadLetters.sum() > 0 ? EXIT_DEAD_LETTERS : EXIT_DONE;
    }

    /** Why no more rows could be handed out, or null. */
    public String handOutFailure() {
        return handOutFailure;
    }

    public long deadLetters() {
        return deadLetters.sum();
    }

    public long rowsChangedMeanwhile() {
        return rowsChangedMeanwhile.sum();
    }

    public long rowsUpdated() {
        return rowsUpdated.sum();
    }

    public long objectsCopied() {
        return copied.sum();
    }

    public long objectsAlreadyPresent() {
        return skippedExisting.sum();
    }

    /** Of the legacy rows found at the start, those not updated, dead-lettered or left alone yet. */
    public long legacyRowsLeft() {
        return Math.max(0, legacyRowsAtStart - rowsUpdated.sum() - deadLetters.sum() - rowsChangedMeanwhile.sum());
    }

    /**
     * Percent of the legacy rows found at start, batches, counters, elapsed time, the rate over about the last 30
     * seconds and the ETA at that rate.
     */
    public synchronized String progress() {
        long now = finishNanos != 0 ? finishNanos : System.nanoTime();
        double seconds = elapsedSeconds();
        long done = rowsUpdated.sum() + deadLetters.sum() + rowsChangedMeanwhile.sum();
        long total = Math.max(legacyRowsAtStart, done);
        // Over the window, not the last interval: rows arrive a whole batch at a time, and over a single interval the
        // rate would swing between 0 and a multiple of the real one.
        while (recentProgress.size() > 1 && now - recentProgress.peekFirst().nanos() > RATE_WINDOW_NANOS) {
            recentProgress.removeFirst();
        }
        ProgressPoint since = recentProgress.peekFirst();
        double rate = now > since.nanos() ? (done - since.done()) * 1e9 / (now - since.nanos()) : 0;
        recentProgress.addLast(new ProgressPoint(now, done));
        long batchesDone = batchesWritten;
        // Batches fill as copies complete, and one waiting too long is written part full: the total is an estimate.
        long batchesTotal = Math.max(batchesDone, (total + batchSize - 1) / batchSize);
        String eta = rate > 0 ? String.format("%.0f s", (total - done) / rate) : "unknown";
        return String.format("Progress %d%%, batches %d/%d, files copied %d, already present %d, rows updated %d,"
                        + " dead letters %d, elapsed %.1f s, rate %.1f rows/s, ETA %s",
                total == 0 ? 100 : done * 100 / total, batchesDone, batchesTotal, copied.sum(), skippedExisting.sum(),
                rowsUpdated.sum(), deadLetters.sum(), seconds, rate, eta);
    }

    /** Until the run finished: the time spent waiting for the final status does not count. */
    private double elapsedSeconds() {
        return ((finishNanos != 0 ? finishNanos : System.nanoTime()) - startNanos) / 1e9;
    }

    public String summary() {
        double seconds = elapsedSeconds();
        long updated = rowsUpdated.sum();
        long cpuNanos = (finishCpuNanos != 0 ? finishCpuNanos : processCpuNanos()) - startCpuNanos;
        return String.format("%s after %.2f seconds: %d files copied, %d already present, %d rows updated,"
                        + " %d rows changed meanwhile, %d dead letters, %.1f rows/s, %.2f ms CPU per row",
                isFinished() ? "Migration finished" : "Migration stopped", seconds, copied.sum(), skippedExisting.sum(),
                updated, rowsChangedMeanwhile.sum(), deadLetters.sum(), seconds > 0 ? updated / seconds : 0.0,
                updated > 0 ? cpuNanos / 1e6 / updated : 0.0);
    }

    /** This JVM's CPU time (all threads); whatever else runs in it, such as the embedded servers, counts too. */
    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }

    private record ProgressPoint(long nanos, long done) {
    }
}
