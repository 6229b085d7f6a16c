package io.github.s3migration;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a run whose routes migrated rows, as Camel begins to stop: when stopped by a signal, the rows in flight
 * finish first; then the summary, the data status again, what is left and why, and the run's exit code.
 */
final class MigrationEnd {

    private static final Logger LOG = LoggerFactory.getLogger(MigrationEnd.class);
    /** Ids of routes in routes/. */
    private static final String POLL_ROUTE = "poll-legacy-rows";
    private static final String PROGRESS_ROUTE = "report-progress";
    /** Of the stop timeout, what the summary, the status (rows only) and Camel's own stop may take. */
    private static final long STOP_RESERVE_MILLIS = 4_000;

    private final JobBeans job;
    private final MigrationRun run;
    /** Null outside the check mode. */
    private final IntegrationCheck check;

    MigrationEnd(JobBeans job, IntegrationCheck check) {
        this.job = job;
        this.run = job.run();
        this.check = check;
    }

    ExitCode afterRoutes(CamelContext context) {
        long deadline = System.currentTimeMillis() + job.options().stopTimeoutSeconds() * 1000L;
        boolean stoppedEarly = !run.isFinished();
        try {
            context.getRouteController().stopRoute(PROGRESS_ROUTE);
            if (stoppedEarly) {
                finishRowsInFlight(context, deadline - STOP_RESERVE_MILLIS);
            }
        } catch (Exception e) {
            LOG.warn("WARNING: could not stop cleanly: {}", MigrationApplication.describe(e));
        }
        LOG.info(job.report().progress());
        LOG.info(job.report().summary());
        reportSlowS3();
        // Stopped by a signal, the job must be done within the stop timeout: rows only, no bucket listing.
        DataStatus status = statusAfter(stoppedEarly);
        LOG.info("NOTE: this job does not delete legacy objects");
        ExitCode exitCode;
        if (stoppedEarly) {
            exitCode = StopSignal.interruptedExitCode();
        } else if (check != null) {
            exitCode = reportCheck(status);
        } else {
            // The run's own code says done only if no legacy row is left in its scope either.
            exitCode = run.exitCode();
            if (exitCode == ExitCode.DONE && legacyRowsLeft(status) != 0) {
                exitCode = ExitCode.LEGACY_ROWS_LEFT;
            }
        }
        if (run.deadLetters() > 0) {
            LOG.info("Dead letters: ./mvnw compile camel:run -Dmigration.mode=dead-letters (files under {})",
                    job.deadLetters().directory().toAbsolutePath());
        }
        if (run.deadLettersResolved() > 0) {
            LOG.info("{} earlier dead letters were resolved and removed", run.deadLettersResolved());
        }
        job.logFile().path().ifPresent(path -> LOG.info("The log file can be reviewed with: less {}", path));
        job.pointAtOutcomeRecords("row");
        lingerForTheLastScrape(context);
        return exitCode;
    }

    /**
     * The data status after the run. The exit code rests on the rows: when the objects cannot be counted (S3 too slow
     * or failing now), the rows still are, with a warning that says why the objects are not.
     */
    private DataStatus statusAfter(boolean stoppedEarly) {
        try {
            return job.printStatus(stoppedEarly ? "stopping: rows only" : null);
        } catch (InvalidConfigurationException e) {
            LOG.warn("WARNING: {}", e.getMessage());
        }
        if (stoppedEarly) {
            return null;
        }
        try {
            return job.printStatus("S3 did not answer the listings");
        } catch (InvalidConfigurationException e) {
            LOG.warn("WARNING: {}", e.getMessage());
            return null;
        }
    }

    /** Stopped before the end (Ctrl-C, SIGTERM): hand out no more rows, let the rows in flight copy and update. */
    private void finishRowsInFlight(CamelContext context, long until) throws Exception {
        LOG.info("Stopping: no more rows are handed out; finishing the rows in flight");
        context.getRouteController().stopRoute(POLL_ROUTE);
        if (!run.awaitRowsInFlight(Math.max(0, until - System.currentTimeMillis()))) {
            LOG.warn("WARNING: some rows did not finish in time; they stay legacy for the next run");
        }
    }

    /** What S3 made the run wait for, if anything: the answers that slowed every thread, the attempts cut off. */
    private void reportSlowS3() {
        long slowDowns = job.gate().slowDowns();
        long cutOff = job.attemptTimeouts().cutOff();
        if (slowDowns > 0 || cutOff > 0) {
            LOG.info("S3 answered SlowDown or Too Many Requests {} times (every thread held back each time); {} S3"
                    + " attempts far slower than usual were cut off and retried", slowDowns, cutOff);
        }
    }

    /**
     * The legacy rows left in the run's scope (the table's legacy rows, or in a replay the rows it replayed), and
     * why, when there are any: the exit code is 0 only when there are none. -1 when they could not be counted.
     */
    private long legacyRowsLeft(DataStatus status) {
        long left;
        try {
            left = run.replaying() ? job.legacyRowIds().stillLegacy(run.replayIds()).length
                    : status != null ? status.legacyRows() : -1;
        } catch (InvalidConfigurationException e) {
            LOG.warn("WARNING: {}", e.getMessage());
            left = -1;
        }
        if (left < 0) {
            LOG.warn("WARNING: the legacy rows left could not be counted");
        } else if (left > 0) {
            long deadLettered = Math.min(run.deadLetters(), left);
            long changed = Math.min(run.rowsChangedMeanwhile(), left - deadLettered);
            LOG.warn("WARNING: {} legacy rows are left: {} dead-lettered, {} changed by another writer while their"
                    + " objects were copied (ids in the warnings above), {} appeared or became legacy during the"
                    + " run; run the job again to migrate them", left, deadLettered, changed,
                    left - deadLettered - changed);
        }
        return left;
    }

    private ExitCode reportCheck(DataStatus status) {
        long verifyProblems;
        try {
            verifyProblems = job.verify().total();
        } catch (Exception e) {
            LOG.warn("WARNING: could not verify: {}", MigrationApplication.describe(e));
            verifyProblems = -1;
        }
        if (status == null) {
            check.problems().add("the data status after the migration could not be measured");
        } else {
            check.after(status, run.deadLetters(), verifyProblems);
        }
        if (check.problems().isEmpty()) {
            LOG.info("No problems detected!");
        } else {
            check.problems().forEach(problem -> LOG.info("Problem: {}", problem));
        }
        LOG.info("Migration of mixed dataset of size {} using batch size {} and parallelization level {}: {}",
                job.options().dataset().rows(), job.settings().batchSize(), job.settings().parallelism(),
                job.report().summary());
        return check.problems().isEmpty() ? ExitCode.DONE : ExitCode.PROBLEMS_FOUND;
    }

    /** A scrape now and then would miss the final counts of a run that ends between two: serve them a while. */
    private void lingerForTheLastScrape(CamelContext context) {
        if (job.options().metricsLingerSeconds() > 0
                && context.getRegistry().findSingleByType(MeterRegistry.class) != null) {
            try {
                Thread.sleep(job.options().metricsLingerSeconds() * 1000L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
