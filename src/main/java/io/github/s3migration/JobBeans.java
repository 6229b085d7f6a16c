package io.github.s3migration;

import java.util.Optional;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * What the job's modes work with, built once by {@link MigrationConfiguration} and handed to each mode whole.
 *
 * @param targetAccess what the credentials may do in the target bucket, once the pre-flight has looked
 * @param lock     absent with migration.lock=false
 * @param embedded the embedded servers' object writer (quicker than S3 for the sample data); absent in production
 */
record JobBeans(JobOptions options, MigrationSettings settings, TargetObjectSettings targetObjects,
        TargetAccess targetAccess, ConnectionSettings connection, DataSource dataSource,
        S3Client s3, MigrationRun run, ProgressReport report, DeadLetters deadLetters, OutcomeRecords outcomes,
        RunLogFile logFile, Optional<RunLock> lock,
        S3RequestGate gate, AttemptTimeouts attemptTimeouts, Optional<SampleDataset.ObjectWriter> embedded) {

    private static final Logger LOG = LoggerFactory.getLogger(JobBeans.class);

    /** Measures and prints the data status: rows and objects. */
    DataStatus printStatus() {
        return printStatus(null);
    }

    /**
     * Measures and prints the data status.
     *
     * @param whyRowsOnly why no objects are counted (a stop must be quick, ...); null to count them
     */
    DataStatus printStatus(String whyRowsOnly) {
        try {
            DataStatus status = DataStatus.measure(dataSource, s3, settings, options.shard(),
                    options.statusMaxListedObjects(), whyRowsOnly);
            status.lines().forEach(LOG::info);
            return status;
        } catch (Exception e) {
            throw new InvalidConfigurationException("Cannot measure the data status: " + MigrationApplication.describe(e));
        }
    }

    /** The rows that point at a missing object, or at one that differs from its legacy source, listed and counted. */
    Verification.Problems verify() throws Exception {
        return new Verification(dataSource, s3, settings, options.verbose()).run();
    }

    LegacyRowIds legacyRowIds() {
        return new LegacyRowIds(dataSource, settings);
    }

    /** Where this run's log file and, if it writes, its outcome records are. */
    void announceLogFile() {
        logFile.path().ifPresent(path -> LOG.info("The log file for this run is {}", path));
        if (options.recordsOutcomes()) {
            LOG.info("The outcome records of this run go to {}", outcomes.plannedPath());
        }
    }

    /** At the end of a run that wrote outcome records: how to read them. */
    void pointAtOutcomeRecords(String eachWhat) {
        outcomes.path().ifPresent(path -> LOG.info("What happened to each {}: jq -c . {}", eachWhat, path));
    }

    /** From now on, what happens to each row (or object) goes into this run's outcome records. */
    void recordOutcomes(String mode) {
        outcomes.open(mode);
    }
}
