package io.github.s3migration;

import java.util.Optional;

/** migration.mode=dead-letters: the report of the letters that stand (their rows are still legacy). */
record DeadLettersMode(JobBeans job) implements JobMode {

    @Override
    public Optional<ExitCode> beforeRoutes() {
        long standing = job.deadLetters().printReport(job.options().verbose(), job.legacyRowIds());
        return Optional.of(standing > 0 ? ExitCode.LEGACY_ROWS_LEFT : ExitCode.DONE);
    }
}
