package io.github.s3migration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * migration.mode=rollback with migration.rollback.run=&lt;run id&gt;: puts the rows that run migrated back to their
 * legacy keys (see {@link RunRollback}), with the data status before and after. A dry run only counts them.
 */
record RollbackMode(JobBeans job, Confirmation confirmation) implements JobMode {

    @Override
    public Optional<ExitCode> beforeRoutes() throws Exception {
        MigrationSettings settings = job.settings();
        String runId = job.options().rollbackRun();
        Path records = OutcomeRecords.file(Path.of(job.options().outcomeDir()), runId);
        if (!Files.isReadable(records)) {
            throw new InvalidConfigurationException("No outcome records of run " + runId + " at "
                    + records.toAbsolutePath() + " (migration.outcome-dir)");
        }
        boolean dryRun = job.options().dryRun();
        job.announceLogFile();
        confirmation.ask("WARNING: this job will put the rows of table " + settings.table() + " in database "
                + job.connection().databaseName() + " that run " + runId + " migrated back to their keys in "
                + settings.sourceBucket() + ", where those objects still exist. Are you sure you want to continue?");
        job.printStatus();
        if (!dryRun) {
            confirmation.ask("Are you sure you want to roll back run " + runId + " over this data status?");
            job.recordOutcomes(JobOptions.ROLLBACK);
        }
        long left = new RunRollback(job, runId).run(records, dryRun);
        if (!dryRun) {
            job.printStatus();
        }
        job.pointAtOutcomeRecords("row");
        return Optional.of(left == 0 ? ExitCode.DONE : ExitCode.LEGACY_ROWS_LEFT);
    }
}
