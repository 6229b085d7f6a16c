package io.github.s3migration;

import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** migration.mode=verify: every row's object must exist, and a production row's be the same as its legacy source. */
record VerifyMode(JobBeans job) implements JobMode {

    private static final Logger LOG = LoggerFactory.getLogger(VerifyMode.class);

    @Override
    public Optional<ExitCode> beforeRoutes() throws Exception {
        Verification.Problems problems = job.verify();
        if (problems.total() == 0) {
            LOG.info("No problems found");
        }
        if (problems.missing() > 0) {
            LOG.info("{} rows point at a missing object", problems.missing());
        }
        if (problems.different() > 0) {
            LOG.info("{} rows point at an object that differs from its legacy source", problems.different());
        }
        return Optional.of(problems.total() == 0 ? ExitCode.DONE : ExitCode.PROBLEMS_FOUND);
    }
}
