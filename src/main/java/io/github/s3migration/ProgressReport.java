package io.github.s3migration;

/** The run's progress line (every migration.progress-interval-ms and at the end) and its summary line. */
public final class ProgressReport {

    private final MigrationRun run;
    private RateWindow rates;

    public ProgressReport(MigrationRun run) {
        this.run = run;
    }

    /**
     * Percent of the legacy rows found at start, batches, counters, elapsed time, the rate over about the last 30
     * seconds and the ETA at that rate.
     */
    public synchronized String progress() {
        if (rates == null) {
            // Rows move from the run's start on: the first line's rate counts from there.
            rates = new RateWindow(run.startNanos());
        }
        long done = run.rowsDone();
        long total = Math.max(run.legacyRowsAtStart(), done);
        double rate = rates.rate(run.nowOrFinishNanos(), done);
        long batchesDone = run.batchesWritten();
        // Batches fill as copies complete, and one waiting too long is written part full: the total is an estimate.
        long batchesTotal = Math.max(batchesDone, (total + run.batchSize() - 1) / run.batchSize());
        String eta = rate > 0 ? String.format("%.0f s", (total - done) / rate) : "unknown";
        return String.format("Progress %d%%, batches %d/%d, files copied %d, already present %d, rows updated %d,"
                        + " dead letters %d, elapsed %.1f s, rate %.1f rows/s, ETA %s",
                total == 0 ? 100 : done * 100 / total, batchesDone, batchesTotal, run.objectsCopied(),
                run.objectsAlreadyPresent(), run.rowsUpdated(), run.deadLetters(), run.elapsedSeconds(), rate, eta);
    }

    public String summary() {
        double seconds = run.elapsedSeconds();
        long updated = run.rowsUpdated();
        return String.format("%s after %.2f seconds: %d files copied, %d already present, %d rows updated,"
                        + " %d rows changed meanwhile, %d dead letters, %.1f rows/s, %.2f ms CPU per row",
                run.isFinished() ? "Migration finished" : "Migration stopped", seconds, run.objectsCopied(),
                run.objectsAlreadyPresent(), updated, run.rowsChangedMeanwhile(), run.deadLetters(),
                seconds > 0 ? updated / seconds : 0.0, updated > 0 ? run.cpuNanos() / 1e6 / updated : 0.0);
    }
}
