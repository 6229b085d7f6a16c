package io.github.s3migration;

import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * migration.mode=cleanup: deletes the legacy objects that nothing needs any more (see {@link LegacyCleanup}), with
 * the data status before and after. Without migration.cleanup.execute=true it only says what it would delete, and
 * why it keeps the others.
 */
record CleanupMode(JobBeans job, Confirmation confirmation) implements JobMode {

    private static final Logger LOG = LoggerFactory.getLogger(CleanupMode.class);

    @Override
    public Optional<ExitCode> beforeRoutes() throws Exception {
        MigrationSettings settings = job.settings();
        boolean deletes = job.options().cleanupDeletes();
        job.announceLogFile();
        if (deletes) {
            confirmation.ask("WARNING: this job will delete objects under " + settings.sourceBucket() + "/"
                    + settings.sourcePrefix() + " on " + job.connection().s3Name() + " that no row of table "
                    + settings.table() + " in database " + job.connection().databaseName()
                    + " needs any more. Are you sure you want to continue?");
            job.deadLetters().checkWritable();
        } else {
            LOG.info("Dry run: nothing is deleted (migration.cleanup.execute=true deletes)");
        }
        job.printStatus();
        if (deletes) {
            confirmation.ask("Are you sure you want to delete the legacy objects that pass every check, over this"
                    + " data status?");
            job.recordOutcomes(JobOptions.CLEANUP);
        }
        LegacyCleanup.Counts counts = new LegacyCleanup(job).run(deletes);
        if (deletes) {
            job.printStatus();
        }
        job.pointAtOutcomeRecords("object");
        if (counts.stopped()) {
            return Optional.of(ExitCode.LEGACY_ROWS_LEFT);
        }
        if (counts.failed() > 0) {
            LOG.info("Dead letters: ./mvnw compile camel:run -Dmigration.mode=dead-letters (files under {})",
                    job.deadLetters().cleanupDirectory().toAbsolutePath());
            return Optional.of(ExitCode.LEGACY_ROWS_LEFT);
        }
        return Optional.of(ExitCode.DONE);
    }
}
