package io.github.s3migration;

import java.lang.management.ManagementFactory;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

import com.sun.management.OperatingSystemMXBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of the job: the keyset cursor the poller reads from, the rows in flight, the counters, and the moment the run is
 * done (no legacy row left to hand out, and every row handed out updated or dead-lettered). {@link ProgressReport}
 * puts the counters into words.
 */
public final class MigrationRun {

    private static final Logger LOG = LoggerFactory.getLogger(MigrationRun.class);
    private static final int REPLAY_PAGE = 10_000;

    private final String runId;
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
    private volatile long lastHandedOutId;
    private final long lastIdToHandOut;
    private volatile long legacyRowsAtStart;
    private volatile int batchSize = 1;
    private volatile long[] replayIds;
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
        this(maxRowsInFlight, Optional.empty());
    }

    /**
     * @param shard the slice of ids this run hands out rows of (and names its run id after, so that shards started in
     *     the same second never share a log or outcome file); empty: every id
     */
    MigrationRun(int maxRowsInFlight, Optional<Shard> shard) {
        this.maxRowsInFlight = maxRowsInFlight;
        this.runId = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000))
                + shard.map(slice -> "-s" + slice.index()).orElse("");
        long firstId = shard.map(Shard::firstId).orElse(Long.MIN_VALUE);
        this.lastHandedOutId = firstId == Long.MIN_VALUE ? Long.MIN_VALUE : firstId - 1;
        this.lastIdToHandOut = shard.map(Shard::lastId).orElse(Long.MAX_VALUE);
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

    /** The poller's upper bound: the last id of the run's shard. */
    public long lastIdToHandOut() {
        return lastIdToHandOut;
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
     * @param updatedIds the ids it updated (the statement's RETURNING rows)
     * @return the rows updated
     */
    public List<RowMigration> rowsUpdated(List<RowMigration> batch, Set<Long> updatedIds) {
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

    /** What the run itself says: rows left by dead letters or a failed hand-out; legacy rows left uncounted. */
    public ExitCode exitCode() {
        if (!isFinished()) {
            return StopSignal.interruptedExitCode();
        }
        if (handOutFailure != null) {
            return rowsUpdated.sum() > 0 ? ExitCode.LEGACY_ROWS_LEFT : ExitCode.CANNOT_RUN;
        }
        return deadLetters.sum() > 0 ? ExitCode.LEGACY_ROWS_LEFT : ExitCode.DONE;
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

    /** Rows the run is done with: updated, dead-lettered or left alone because they changed meanwhile. */
    public long rowsDone() {
        return rowsUpdated.sum() + deadLetters.sum() + rowsChangedMeanwhile.sum();
    }

    public long legacyRowsAtStart() {
        return legacyRowsAtStart;
    }

    public int batchSize() {
        return batchSize;
    }

    public synchronized long batchesWritten() {
        return batchesWritten;
    }

    /** The moment rates are measured at: now, or when the run finished (waiting for the final status does not count). */
    public long nowOrFinishNanos() {
        return finishNanos != 0 ? finishNanos : System.nanoTime();
    }

    /** When the rows started to move. */
    public long startNanos() {
        return startNanos;
    }

    public double elapsedSeconds() {
        return (nowOrFinishNanos() - startNanos) / 1e9;
    }

    /** This JVM's CPU time since the rows started to move, until the run finished. */
    public long cpuNanos() {
        return (finishCpuNanos != 0 ? finishCpuNanos : processCpuNanos()) - startCpuNanos;
    }

    /** This JVM's CPU time (all threads); whatever else runs in it, such as the embedded servers, counts too. */
    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }
}
