package io.github.s3migration;

import java.util.Map;

import javax.sql.DataSource;

import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.Registry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Runs the migration job to its end and exits with its code: 0 nothing left to migrate, 2 finished with dead letters,
 * 1 could not run (nothing written), 130 stopped before the end.
 */
public final class MigrationApplication {

    private static final Logger LOG = LoggerFactory.getLogger(MigrationApplication.class);
    /** Ids of routes in routes/migration.camel.yaml. */
    private static final String POLL_ROUTE = "poll-legacy-rows";
    private static final String PROGRESS_ROUTE = "report-progress";
    private static final long BATCHES_IN_FLIGHT_GRACE_MILLIS = 20_000;

    private MigrationApplication() {
    }

    public static void main(String[] args) {
        System.exit(run(Map.of()));
    }

    /** Runs the job with these properties taking precedence over every other source; returns the exit code. */
    public static int run(Map<String, String> overrides) {
        Main main = new Main(MigrationApplication.class);
        overrides.forEach(main::addOverrideProperty);
        JobReport report = new JobReport();
        main.addMainListener(report);
        try {
            main.run();
            return report.exitCode();
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

    /** Prints the data status before and after the run, and stops Camel once the run is done. */
    private static final class JobReport extends MainListenerSupport {

        private MigrationRun run;

        @Override
        public void beforeStart(BaseMainSupport main) {
            Registry registry = main.getCamelContext().getRegistry();
            run = registry.findSingleByType(MigrationRun.class);
            MigrationSettings settings = registry.findSingleByType(MigrationSettings.class);
            Preflight.check(registry.findSingleByType(DataSource.class), registry.findSingleByType(S3Client.class),
                    settings, registry.findSingleByType(ConnectionSettings.class), run.runId());
            LOG.info("Migrating rows of table {}: {}/{} to {}/{} (batch size {}, parallelism {}, run {})",
                    settings.table(), settings.sourceBucket(), settings.sourcePrefix(), settings.targetBucket(),
                    settings.targetPrefix(), settings.batchSize(), settings.parallelism(), run.runId());
            DataStatus status = printStatus(registry);
            run.start(status == null ? 0 : status.legacyRows(), settings.batchSize());
        }

        @Override
        public void afterStart(BaseMainSupport main) {
            run.whenFinished(((Main) main)::completed);
        }

        @Override
        public void beforeStop(BaseMainSupport main) {
            CamelContext context = main.getCamelContext();
            try {
                context.getRouteController().stopRoute(PROGRESS_ROUTE);
                if (!run.isFinished()) {
                    finishBatchesInFlight(context);
                }
            } catch (Exception e) {
                LOG.warn("WARNING: could not stop cleanly: {}", describe(e));
            }
            LOG.info(run.summary());
            printStatus(main.getCamelContext().getRegistry());
            if (run.deadLetters() > 0) {
                LOG.info("Dead letters are under {}",
                        main.getCamelContext().getRegistry().findSingleByType(MigrationSettings.class).deadLetterDir());
            }
        }

        /** Stopped before the end (Ctrl-C): hand out no more rows, and let the batches in flight copy and update. */
        private void finishBatchesInFlight(CamelContext context) throws Exception {
            LOG.info("Stopping: no more rows are handed out; finishing the batches in flight");
            context.getRouteController().stopRoute(POLL_ROUTE);
            if (!run.awaitBatchesInFlight(BATCHES_IN_FLIGHT_GRACE_MILLIS)) {
                LOG.warn("WARNING: some batches did not finish in time; their rows stay legacy for the next run");
            }
        }

        int exitCode() {
            return run == null ? MigrationRun.EXIT_CANNOT_RUN : run.exitCode();
        }

        private static DataStatus printStatus(Registry registry) {
            try {
                DataStatus status = DataStatus.measure(registry.findSingleByType(DataSource.class),
                        registry.findSingleByType(S3Client.class), registry.findSingleByType(MigrationSettings.class));
                status.lines().forEach(LOG::info);
                return status;
            } catch (Exception e) {
                LOG.warn("WARNING: could not measure the data status: {}", describe(e));
                return null;
            }
        }
    }
}
