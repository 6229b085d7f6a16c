package io.github.s3migration;

import java.util.Arrays;
import java.util.Optional;

import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * migration.mode=migrate and replay, dry run included, and the migration of check: the confirmation, the pre-flight,
 * the data status, the rows to migrate; then the routes migrate them, and {@link MigrationEnd} ends the run.
 *
 * @param check null outside the check mode
 */
record MigrateMode(JobBeans job, Confirmation confirmation, IntegrationCheck check) implements JobMode {

    private static final Logger LOG = LoggerFactory.getLogger(MigrateMode.class);

    @Override
    public Optional<ExitCode> beforeRoutes() throws Exception {
        MigrationSettings settings = job.settings();
        MigrationRun run = job.run();
        boolean dryRun = job.options().dryRun();
        if (check == null) {
            job.announceLogFile();
        }
        confirmation.ask("WARNING: this job will modify rows of table " + settings.table() + " in database "
                + job.connection().databaseName() + " after copying objects from " + settings.sourceBucket() + " to "
                + settings.targetBucket() + " on " + job.connection().s3Name() + ". Are you sure you want to continue?");
        Preflight.check(job.dataSource(), job.s3(), settings, job.connection(), run.runId(), !dryRun,
                job.targetAccess());
        Preflight.warnIfPublicObjectsTurnPrivate(job.s3(), settings, job.targetObjects());
        if (!dryRun) {
            job.deadLetters().checkWritable();
        }
        DataStatus status = job.printStatus();
        if (check != null) {
            check.before(status);
        }
        LOG.info("NOTE: this job does not delete legacy objects");
        long rowsToMigrate = status.legacyRows();
        if (job.options().mode().equals(JobOptions.REPLAY)) {
            // A shard replays the letters of its own slice; the others are its siblings'.
            long[] withLetters = Arrays.stream(job.deadLetters().rowIds())
                    .filter(id -> job.options().shard().map(shard -> shard.contains(id)).orElse(true)).toArray();
            long[] legacy = job.legacyRowIds().stillLegacy(withLetters);
            removeStaleLetters(withLetters, legacy);
            LOG.info("Replaying {} dead letters of rows still legacy, under {}", legacy.length,
                    job.deadLetters().directory().toAbsolutePath());
            if (legacy.length == 0) {
                return Optional.of(ExitCode.DONE);
            }
            run.replayOnly(legacy);
            rowsToMigrate = legacy.length;
        }
        if (dryRun) {
            LOG.info("Dry run: {} legacy rows would be migrated; nothing was written", rowsToMigrate);
            return Optional.of(ExitCode.DONE);
        }
        confirmation.ask("Are you sure you want to perform the migration over this data status?");
        job.recordOutcomes(job.options().mode());
        LOG.info("Migrating legacy data (run {}{}, batch size {}, parallelism {})", run.runId(),
                job.options().shard().map(shard -> ", " + shard.describe()).orElse(""), settings.batchSize(),
                settings.parallelism());
        run.start(rowsToMigrate, settings.batchSize());
        return Optional.empty();
    }

    /** Once the routes stop, finished or stopped by a signal: see {@link MigrationEnd}. */
    ExitCode afterRoutes(CamelContext context) {
        return new MigrationEnd(job, check).afterRoutes(context);
    }

    /** Letters of rows that are no longer legacy (fixed by hand, migrated by another run) no longer stand. */
    private void removeStaleLetters(long[] withLetters, long[] stillLegacy) {
        int stale = withLetters.length - stillLegacy.length;
        if (stale == 0) {
            return;
        }
        if (job.options().dryRun()) {
            LOG.info("{} stale dead letters (their rows are no longer legacy) would be removed", stale);
            return;
        }
        for (long id : withLetters) {
            if (Arrays.binarySearch(stillLegacy, id) < 0) {
                job.deadLetters().remove(id);
            }
        }
        LOG.info("Removed {} stale dead letters: their rows are no longer legacy", stale);
    }
}
