package io.github.s3migration;

import java.util.List;
import java.util.Optional;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.model.ModelCamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the mode asked for around Camel's start and stop: before the routes start, the mode's own work (for a
 * migration: the checks, the data status, the confirmations); once a migration is done, its end. A run that has no row
 * to migrate starts no route at all, and ends as soon as Camel has started.
 */
final class JobLifecycle extends MainListenerSupport {

    private static final Logger LOG = LoggerFactory.getLogger(JobLifecycle.class);

    private JobBeans job;
    /** Set when the routes migrate rows. */
    private MigrateMode migration;
    private ExitCode exitCode;

    @Override
    public void beforeConfigure(BaseMainSupport main) {
        RunMetrics.enableIfAsked(main.getCamelContext().getPropertiesComponent());
    }

    @Override
    public void beforeStart(BaseMainSupport main) {
        CamelContext context = main.getCamelContext();
        job = context.getRegistry().findSingleByType(JobBeans.class);
        MeterRegistry meters = context.getRegistry().findSingleByType(MeterRegistry.class);
        if (meters != null) {
            RunMetrics.register(meters, job.run(), job.gate());
        }
        Optional<ExitCode> withoutRoutes;
        try {
            if (job.options().writes() && job.lock().isPresent()) {
                // Before anything is written, the pre-flight's probe included.
                job.lock().get().acquire(job.run()::handingOutFailed);
            }
            JobMode mode = mode();
            withoutRoutes = mode.beforeRoutes();
            if (withoutRoutes.isEmpty()) {
                migration = (MigrateMode) mode;
            }
        } catch (Exception e) {
            // Said here so it reaches the run's log file too; nothing has been written.
            LOG.error("ERROR: {}", MigrationApplication.describe(e));
            withoutRoutes = Optional.of(e instanceof RunLock.Refused ? ExitCode.LOCKED : ExitCode.CANNOT_RUN);
        }
        withoutRoutes.ifPresent(code -> {
            exitCode = code;
            removeRoutes(context);
        });
    }

    private JobMode mode() throws Exception {
        JobOptions options = job.options();
        Confirmation confirmation = new Confirmation(options.assumeYes() ? "migration.assume-yes=true"
                : options.embedded() ? "embedded default" : options.dryRun() ? "dry run: nothing is written" : null);
        return switch (options.mode()) {
            case JobOptions.STATUS -> new StatusMode(job);
            case JobOptions.VERIFY -> new VerifyMode(job);
            case JobOptions.DEAD_LETTERS -> new DeadLettersMode(job);
            case JobOptions.CLEANUP -> new CleanupMode(job, confirmation);
            case JobOptions.ROLLBACK -> new RollbackMode(job, confirmation);
            case JobOptions.PREPARE -> new PrepareMode(job, confirmation);
            case JobOptions.PLAN -> new PlanMode(job);
            // The check is automated: the destructive step, preparing its dataset, was the one to confirm.
            case JobOptions.CHECK -> new MigrateMode(job, new Confirmation("integration check"),
                    new IntegrationCheck(new PrepareMode(job, confirmation).createDataset()));
            default -> new MigrateMode(job, confirmation, null);
        };
    }

    /** Nothing to migrate: no route starts, so no endpoint talks to S3 (an aws2-s3 endpoint checks its bucket on start). */
    private static void removeRoutes(CamelContext context) {
        ModelCamelContext model = (ModelCamelContext) context;
        try {
            model.removeRouteDefinitions(List.copyOf(model.getRouteDefinitions()));
        } catch (Exception e) {
            throw new IllegalStateException("Cannot leave the routes out: " + MigrationApplication.describe(e), e);
        }
    }

    @Override
    public void afterStart(BaseMainSupport main) {
        if (migration == null) {
            ((Main) main).completed();
        } else {
            job.run().whenFinished(((Main) main)::completed);
        }
    }

    @Override
    public void beforeStop(BaseMainSupport main) {
        if (migration != null) {
            exitCode = migration.afterRoutes(main.getCamelContext());
        }
    }

    /** CANNOT_RUN if the job never got as far as its mode (Camel could not start). */
    ExitCode exitCode() {
        return exitCode != null ? exitCode : ExitCode.CANNOT_RUN;
    }
}
