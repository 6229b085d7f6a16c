package io.github.s3migration;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.VetoCamelContextStartException;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.LifecycleStrategySupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Runs the job in the mode asked for and exits with its code: 0 done (no legacy row left in its scope), 2 finished but
 * legacy rows are left (dead letters, rows changed meanwhile), 1 could not run (nothing written), 3 verify or check
 * found problems, 130 or 143 stopped by Ctrl-C or SIGTERM with work left.
 */
public final class MigrationApplication {

    private static final Logger LOG = LoggerFactory.getLogger(MigrationApplication.class);
    /** Ids of routes in routes/. */
    private static final String POLL_ROUTE = "poll-legacy-rows";
    private static final String PROGRESS_ROUTE = "report-progress";
    /** The run lock's name in the registry; absent with migration.lock=false. */
    static final String RUN_LOCK = "runLock";
    /** Of the stop timeout, what the summary, the status (rows only) and Camel's own stop may take. */
    private static final long STOP_RESERVE_MILLIS = 4_000;

    private MigrationApplication() {
    }

    public static void main(String[] args) {
        StopSignal.install();
        StopSignal.exit(run(Map.of(), args));
    }

    /** Runs the job with these properties taking precedence over every other source; returns the exit code. */
    public static int run(Map<String, String> overrides) {
        return run(overrides, new String[0]);
    }

    /** @param arguments Camel Main's own command-line arguments */
    static int run(Map<String, String> overrides, String[] arguments) {
        // The PostgreSQL driver logs through java.util.logging: into logback, where secrets are masked.
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
        Main main = new Main(MigrationApplication.class);
        overrides.forEach(main::addOverrideProperty);
        Job job = new Job();
        main.addMainListener(job);
        try {
            main.run(arguments);
            return job.exitCode();
        } catch (Exception e) {
            LOG.error("ERROR: {}", describe(e));
            return MigrationRun.EXIT_CANNOT_RUN;
        } finally {
            CamelContext context = main.getCamelContext();
            if (context != null) {
                context.stop();
            }
        }
    }

    /** One line: our own configuration messages as they are, anything else with its type and root cause. */
    static String describe(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof InvalidConfigurationException) {
                return cause.getMessage();
            }
        }
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    /**
     * The operator's view of a run: before the routes start, the checks, the data status and the confirmations (or
     * the whole work of the modes that migrate nothing); once the run is done, the summary and the status again.
     */
    private static final class Job extends MainListenerSupport {

        private MigrationRun run;
        private JobOptions options;
        private RunLogFile logFile;
        private Integer exitCodeWithoutRoutes;
        /** Legacy rows left in the run's scope once it finished; -1 when not counted. */
        private long legacyRowsLeft = -1;
        private IntegrationCheck check;

        @Override
        public void beforeConfigure(BaseMainSupport main) {
            RunMetrics.enableIfAsked(main.getCamelContext().getPropertiesComponent());
        }

        @Override
        public void beforeStart(BaseMainSupport main) {
            CamelContext context = main.getCamelContext();
            Registry registry = context.getRegistry();
            run = registry.findSingleByType(MigrationRun.class);
            MeterRegistry meters = registry.findSingleByType(MeterRegistry.class);
            if (meters != null) {
                RunMetrics.register(meters, run, registry.findSingleByType(S3RequestGate.class));
            }
            options = registry.findSingleByType(JobOptions.class);
            logFile = registry.findSingleByType(RunLogFile.class);
            MigrationSettings settings = registry.findSingleByType(MigrationSettings.class);
            try {
                Confirmation confirmation = new Confirmation(options.assumeYes() ? "migration.assume-yes=true"
                        : options.embedded() ? "embedded default" : options.dryRun() ? "dry run: nothing is written" : null);
                if (options.writes() && registry.lookupByName(RUN_LOCK) instanceof RunLock lock) {
                    // Before anything is written, the pre-flight's probe included.
                    lock.acquire(run::handingOutFailed);
                }
                if (options.prepares()) {
                    SampleDataset.Created created = prepareDataset(registry, settings, confirmation);
                    if (options.mode().equals(JobOptions.PREPARE)) {
                        exitCodeWithoutRoutes = MigrationRun.EXIT_DONE;
                        return;
                    }
                    check = new IntegrationCheck(created);
                    // The check is automated: the destructive step above was the one to confirm.
                    confirmation = new Confirmation("integration check");
                }
                if (options.migrates()) {
                    prepareMigration(registry, settings, confirmation);
                } else {
                    exitCodeWithoutRoutes = report(registry, settings);
                }
            } catch (Exception e) {
                // Said here so it reaches the run's log file too; nothing has been written.
                LOG.error("ERROR: {}", describe(e));
                exitCodeWithoutRoutes = e instanceof RunLock.Refused ? MigrationRun.EXIT_LOCKED : MigrationRun.EXIT_CANNOT_RUN;
            } finally {
                if (exitCodeWithoutRoutes != null) {
                    vetoStart(context);
                    if (registry.lookupByName(RUN_LOCK) instanceof RunLock lock) {
                        lock.close();
                    }
                    closeEmbeddedServers(registry);
                    // Nothing more is said: a later run in this JVM (the tests) must not write into this run's file.
                    logFile.close();
                }
            }
        }

        /**
         * A vetoed context never shuts down, so the beans it would close stay open: without this the embedded
         * PostgreSQL, a process of its own, would outlive the run.
         */
        private static void closeEmbeddedServers(Registry registry) {
            if (registry.lookupByName(EmbeddedEnvironment.NAME) instanceof AutoCloseable embedded) {
                try {
                    if (registry.findSingleByType(DataSource.class) instanceof AutoCloseable pool) {
                        pool.close();
                    }
                    embedded.close();
                } catch (Exception e) {
                    LOG.warn("WARNING: could not stop the embedded servers: {}", describe(e));
                }
            }
        }

        /** Nothing to route (a report, a dry run, a refusal): the routes, and their endpoints' bucket checks, never start. */
        private static void vetoStart(CamelContext context) {
            context.addLifecycleStrategy(new LifecycleStrategySupport() {
                @Override
                public void onContextStarting(CamelContext starting) throws VetoCamelContextStartException {
                    throw new VetoCamelContextStartException("no migration to run", starting, false);
                }
            });
        }

        /** Prepare and check modes: drop and re-create the table, empty both buckets, build the simulated dataset. */
        private SampleDataset.Created prepareDataset(Registry registry, MigrationSettings settings,
                Confirmation confirmation) throws Exception {
            JobOptions.Dataset dataset = options.dataset();
            ConnectionSettings connection = registry.findSingleByType(ConnectionSettings.class);
            String buckets = settings.sourceBucket().equals(settings.targetBucket()) ? "bucket " + settings.sourceBucket()
                    : "buckets " + settings.sourceBucket() + " and " + settings.targetBucket();
            if (!options.embedded() && !dataset.allowDestroy()) {
                throw new InvalidConfigurationException("Preparing a dataset drops table " + settings.table()
                        + " and empties " + buckets + ": refused outside the embedded default unless"
                        + " prepare.allow-destroy=true");
            }
            logFile.path().ifPresent(path -> LOG.info("The log file for this run is {}", path));
            confirmation.ask("WARNING: this will DROP and re-CREATE table " + settings.table() + " in database "
                    + connection.databaseName() + " and delete every object in " + buckets + " on "
                    + connection.s3Name() + ". Are you sure you want to continue?");
            S3Client s3 = registry.findSingleByType(S3Client.class);
            int threads = Math.min(256, Math.max(16, settings.parallelism()));
            SampleDataset sample = registry.lookupByName(EmbeddedEnvironment.NAME) instanceof SampleDataset.ObjectWriter embedded
                    ? new SampleDataset(registry.findSingleByType(DataSource.class), s3, embedded, settings, threads)
                    : new SampleDataset(registry.findSingleByType(DataSource.class), s3, settings, threads);
            long start = System.nanoTime();
            for (String bucket : new LinkedHashSet<>(List.of(settings.sourceBucket(), settings.targetBucket()))) {
                LOG.info("Emptying bucket {}: {} objects deleted", bucket, sample.emptyBucket(bucket));
            }
            LOG.info("Re-creating table {} with {} rows ({}% legacy) and their objects of {} to {} bytes",
                    settings.table(), dataset.rows(), Math.round(dataset.legacyShare() * 100), dataset.minObjectBytes(),
                    dataset.maxObjectBytes());
            SampleDataset.Created created = sample.create(dataset.rows(), dataset.legacyShare(), dataset.minObjectBytes(),
                    dataset.maxObjectBytes(), 42);
            double seconds = (System.nanoTime() - start) / 1e9;
            LOG.info("Created {} legacy and {} production rows with their objects in {} s ({} rows/s)",
                    created.legacyRows(), created.productionRows(), String.format("%.2f", seconds),
                    String.format("%.0f", dataset.rows() / seconds));
            return created;
        }

        private void prepareMigration(Registry registry, MigrationSettings settings, Confirmation confirmation)
                throws Exception {
            ConnectionSettings connection = registry.findSingleByType(ConnectionSettings.class);
            if (check == null) {
                logFile.path().ifPresent(path -> LOG.info("The log file for this run is {}", path));
            }
            confirmation.ask("WARNING: this job will modify rows of table " + settings.table() + " in database "
                    + connection.databaseName() + " after copying objects from " + settings.sourceBucket() + " to "
                    + settings.targetBucket() + " on " + connection.s3Name() + ". Are you sure you want to continue?");
            DataSource dataSource = registry.findSingleByType(DataSource.class);
            Preflight.check(dataSource, registry.findSingleByType(S3Client.class), settings, connection, run.runId(),
                    !options.dryRun());
            DeadLetters deadLetters = registry.findSingleByType(DeadLetters.class);
            if (!options.dryRun()) {
                deadLetters.checkWritable();
            }
            DataStatus status = printStatus(registry, false);
            if (check != null) {
                check.before(status);
            }
            LOG.info("NOTE: this job does not delete legacy objects");
            long rowsToMigrate = status.legacyRows();
            if (options.mode().equals(JobOptions.REPLAY)) {
                long[] withLetters = deadLetters.rowIds();
                long[] legacy = new LegacyRowIds(dataSource, settings).stillLegacy(withLetters);
                removeStaleLetters(deadLetters, withLetters, legacy);
                LOG.info("Replaying {} dead letters of rows still legacy, under {}", legacy.length,
                        deadLetters.directory().toAbsolutePath());
                if (legacy.length == 0) {
                    exitCodeWithoutRoutes = MigrationRun.EXIT_DONE;
                    return;
                }
                run.replayOnly(legacy);
                rowsToMigrate = legacy.length;
            }
            if (options.dryRun()) {
                LOG.info("Dry run: {} legacy rows would be migrated; nothing was written", rowsToMigrate);
                exitCodeWithoutRoutes = MigrationRun.EXIT_DONE;
                return;
            }
            confirmation.ask("Are you sure you want to perform the migration over this data status?");
            LOG.info("Migrating legacy data (run {}, batch size {}, parallelism {})", run.runId(), settings.batchSize(),
                    settings.parallelism());
            run.start(rowsToMigrate, settings.batchSize());
        }

        /** Letters of rows that are no longer legacy (fixed by hand, migrated by another run) no longer stand. */
        private void removeStaleLetters(DeadLetters deadLetters, long[] withLetters, long[] stillLegacy) {
            int stale = withLetters.length - stillLegacy.length;
            if (stale == 0) {
                return;
            }
            if (options.dryRun()) {
                LOG.info("{} stale dead letters (their rows are no longer legacy) would be removed", stale);
                return;
            }
            for (long id : withLetters) {
                if (Arrays.binarySearch(stillLegacy, id) < 0) {
                    deadLetters.remove(id);
                }
            }
            LOG.info("Removed {} stale dead letters: their rows are no longer legacy", stale);
        }

        private int report(Registry registry, MigrationSettings settings) throws Exception {
            switch (options.mode()) {
                case JobOptions.STATUS:
                    printStatus(registry, false);
                    if (registry.lookupByName(RUN_LOCK) instanceof RunLock lock) {
                        lock.holder().ifPresent(holder -> LOG.info("A run of this migration is in progress: {}", holder));
                    }
                    return MigrationRun.EXIT_DONE;
                case JobOptions.VERIFY:
                    long missing = new Verification(registry.findSingleByType(DataSource.class),
                            registry.findSingleByType(S3Client.class), settings, options.verbose()).run();
                    LOG.info(missing == 0 ? "No problems found" : missing + " rows point at a missing object");
                    return missing == 0 ? MigrationRun.EXIT_DONE : MigrationRun.EXIT_PROBLEMS_FOUND;
                default:
                    long standing = registry.findSingleByType(DeadLetters.class).printReport(options.verbose(),
                            new LegacyRowIds(registry.findSingleByType(DataSource.class), settings));
                    return standing > 0 ? MigrationRun.EXIT_DEAD_LETTERS : MigrationRun.EXIT_DONE;
            }
        }

        @Override
        public void afterStart(BaseMainSupport main) {
            if (exitCodeWithoutRoutes == null) {
                run.whenFinished(((Main) main)::completed);
            }
        }

        @Override
        public void beforeStop(BaseMainSupport main) {
            if (exitCodeWithoutRoutes != null) {
                return;
            }
            long deadline = System.currentTimeMillis() + options.stopTimeoutSeconds() * 1000L;
            CamelContext context = main.getCamelContext();
            Registry registry = context.getRegistry();
            boolean stoppedEarly = !run.isFinished();
            try {
                context.getRouteController().stopRoute(PROGRESS_ROUTE);
                if (stoppedEarly) {
                    finishRowsInFlight(context, deadline - STOP_RESERVE_MILLIS);
                }
            } catch (Exception e) {
                LOG.warn("WARNING: could not stop cleanly: {}", describe(e));
            }
            LOG.info(run.progress());
            LOG.info(run.summary());
            reportSlowS3(registry);
            DataStatus status = null;
            try {
                // Stopped by a signal, the job must be done within the stop timeout: rows only, no bucket listing.
                status = printStatus(registry, stoppedEarly);
            } catch (InvalidConfigurationException e) {
                LOG.warn("WARNING: {}", e.getMessage());
            }
            LOG.info("NOTE: this job does not delete legacy objects");
            if (check != null) {
                reportCheck(registry, status);
            } else if (!stoppedEarly) {
                legacyRowsLeft = legacyRowsLeft(registry, status);
            }
            if (run.deadLetters() > 0) {
                LOG.info("Dead letters: ./mvnw compile camel:run -Dmigration.mode=dead-letters (files under {})",
                        registry.findSingleByType(DeadLetters.class).directory().toAbsolutePath());
            }
            if (run.deadLettersResolved() > 0) {
                LOG.info("{} earlier dead letters were resolved and removed", run.deadLettersResolved());
            }
            logFile.path().ifPresent(path -> LOG.info("The log file can be reviewed with: less {}", path));
            lingerForTheLastScrape(registry);
        }

        /** A scrape now and then would miss the final counts of a run that ends between two: serve them a while. */
        private void lingerForTheLastScrape(Registry registry) {
            if (options.metricsLingerSeconds() > 0 && registry.findSingleByType(MeterRegistry.class) != null) {
                try {
                    Thread.sleep(options.metricsLingerSeconds() * 1000L);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /**
         * The legacy rows left in the run's scope (the table's legacy rows, or in a replay the rows it replayed), and
         * why, when there are any: the exit code is 0 only when there are none.
         */
        private long legacyRowsLeft(Registry registry, DataStatus status) {
            long left;
            try {
                left = run.replaying()
                        ? new LegacyRowIds(registry.findSingleByType(DataSource.class),
                                registry.findSingleByType(MigrationSettings.class)).stillLegacy(run.replayIds()).length
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

        /** What S3 made the run wait for, if anything: the answers that slowed every thread, the attempts cut off. */
        private static void reportSlowS3(Registry registry) {
            long slowDowns = registry.findSingleByType(S3RequestGate.class).slowDowns();
            long cutOff = registry.findSingleByType(AttemptTimeouts.class).cutOff();
            if (slowDowns > 0 || cutOff > 0) {
                LOG.info("S3 answered SlowDown or Too Many Requests {} times (every thread held back each time); {} S3"
                        + " attempts far slower than usual were cut off and retried", slowDowns, cutOff);
            }
        }

        private void reportCheck(Registry registry, DataStatus status) {
            MigrationSettings settings = registry.findSingleByType(MigrationSettings.class);
            long missing;
            try {
                missing = new Verification(registry.findSingleByType(DataSource.class),
                        registry.findSingleByType(S3Client.class), settings, options.verbose()).run();
            } catch (Exception e) {
                LOG.warn("WARNING: could not verify: {}", describe(e));
                missing = -1;
            }
            if (status == null) {
                check.problems().add("the data status after the migration could not be measured");
            } else {
                check.after(status, run.deadLetters(), missing);
            }
            if (check.problems().isEmpty()) {
                LOG.info("No problems detected!");
            } else {
                check.problems().forEach(problem -> LOG.info("Problem: {}", problem));
            }
            LOG.info("Migration of mixed dataset of size {} using batch size {} and parallelization level {}: {}",
                    options.dataset().rows(), settings.batchSize(), settings.parallelism(), run.summary());
        }

        /** Stopped before the end (Ctrl-C, SIGTERM): hand out no more rows, let the rows in flight copy and update. */
        private void finishRowsInFlight(CamelContext context, long until) throws Exception {
            LOG.info("Stopping: no more rows are handed out; finishing the rows in flight");
            context.getRouteController().stopRoute(POLL_ROUTE);
            if (!run.awaitRowsInFlight(Math.max(0, until - System.currentTimeMillis()))) {
                LOG.warn("WARNING: some rows did not finish in time; they stay legacy for the next run");
            }
        }

        int exitCode() {
            if (exitCodeWithoutRoutes != null) {
                return exitCodeWithoutRoutes;
            }
            if (run == null) {
                return MigrationRun.EXIT_CANNOT_RUN;
            }
            if (!run.isFinished()) {
                return StopSignal.interruptedExitCode();
            }
            if (check != null) {
                return check.problems().isEmpty() ? MigrationRun.EXIT_DONE : MigrationRun.EXIT_PROBLEMS_FOUND;
            }
            int code = run.exitCode();
            return code == MigrationRun.EXIT_DONE && legacyRowsLeft != 0 ? MigrationRun.EXIT_DEAD_LETTERS : code;
        }

        /** @param rowsOnly no object counts: a stop must be quick */
        private DataStatus printStatus(Registry registry, boolean rowsOnly) {
            try {
                DataStatus status = DataStatus.measure(registry.findSingleByType(DataSource.class),
                        registry.findSingleByType(S3Client.class), registry.findSingleByType(MigrationSettings.class),
                        options.statusMaxListedObjects(), rowsOnly);
                status.lines().forEach(LOG::info);
                return status;
            } catch (Exception e) {
                throw new InvalidConfigurationException("Cannot measure the data status: " + describe(e));
            }
        }
    }
}
