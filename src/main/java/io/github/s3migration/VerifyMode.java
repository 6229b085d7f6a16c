package io.github.s3migration;

import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** migration.mode=verify: every production row's object must exist. */
record VerifyMode(JobBeans job) implements JobMode {

    private static final Logger LOG = LoggerFactory.getLogger(VerifyMode.class);

    @Override
    public Optional<ExitCode> beforeRoutes() throws Exception {
        long missing = job.verify();
        LOG.info(missing == 0 ? "No problems found" : missing + " rows point at a missing object");
        return Optional.of(missing == 0 ? ExitCode.DONE : ExitCode.PROBLEMS_FOUND);
    }
}
