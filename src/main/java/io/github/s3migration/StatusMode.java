package io.github.s3migration;

import java.sql.SQLException;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** migration.mode=status: the data status, and who is migrating now, if anyone. */
record StatusMode(JobBeans job) implements JobMode {

    private static final Logger LOG = LoggerFactory.getLogger(StatusMode.class);

    @Override
    public Optional<ExitCode> beforeRoutes() throws SQLException {
        job.printStatus();
        if (job.lock().isPresent()) {
            job.lock().get().holders().forEach(holder -> LOG.info("A run of this migration is in progress: {}", holder));
        }
        return Optional.of(ExitCode.DONE);
    }
}
