package io.github.s3migration;

import java.util.Optional;

/** A mode of the job (migration.mode): its work before the migration routes would start. */
interface JobMode {

    /**
     * @return the run's exit code when the routes have no row to migrate (a report, a dry run); empty to start them,
     *     and then {@link MigrateMode#afterRoutes} ends the run
     */
    Optional<ExitCode> beforeRoutes() throws Exception;
}
