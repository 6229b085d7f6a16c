package io.github.s3migration;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * migration.mode=prepare, and the first step of check: drop and re-create the table, empty both buckets, build the
 * simulated dataset (prepare.*).
 */
record PrepareMode(JobBeans job, Confirmation confirmation) implements JobMode {

    private static final Logger LOG = LoggerFactory.getLogger(PrepareMode.class);

    @Override
    public Optional<ExitCode> beforeRoutes() throws Exception {
        createDataset();
        return Optional.of(ExitCode.DONE);
    }

    SampleDataset.Created createDataset() throws Exception {
        MigrationSettings settings = job.settings();
        JobOptions.Dataset dataset = job.options().dataset();
        String buckets = settings.sourceBucket().equals(settings.targetBucket()) ? "bucket " + settings.sourceBucket()
                : "buckets " + settings.sourceBucket() + " and " + settings.targetBucket();
        if (!job.options().embedded() && !dataset.allowDestroy()) {
            throw new InvalidConfigurationException("Preparing a dataset drops table " + settings.table()
                    + " and empties " + buckets + ": refused outside the embedded default unless"
                    + " prepare.allow-destroy=true");
        }
        job.announceLogFile();
        confirmation.ask("WARNING: this will DROP and re-CREATE table " + settings.table() + " in database "
                + job.connection().databaseName() + " and delete every object in " + buckets + " on "
                + job.connection().s3Name() + ". Are you sure you want to continue?");
        int threads = Math.min(256, Math.max(16, settings.parallelism()));
        SampleDataset sample = job.embedded()
                .map(embedded -> new SampleDataset(job.dataSource(), job.s3(), embedded, settings, threads))
                .orElseGet(() -> new SampleDataset(job.dataSource(), job.s3(), settings, threads));
        long start = System.nanoTime();
        for (String bucket : new LinkedHashSet<>(List.of(settings.sourceBucket(), settings.targetBucket()))) {
            LOG.info("Emptying bucket {}: {} objects deleted", bucket, sample.emptyBucket(bucket));
        }
        LOG.info("Re-creating table {} with {} rows ({}% legacy) and their objects of {} to {} bytes",
                settings.table(), dataset.rows(), Math.round(dataset.legacyShare() * 100), dataset.minObjectBytes(),
                dataset.maxObjectBytes());
        SampleDataset.Created created = sample.create(dataset.rows(), dataset.legacyShare(), dataset.minObjectBytes(),
                dataset.maxObjectBytes(), 42);
        double seconds = (System.nanoTime() - start) / 1e9;
        LOG.info("Created {} legacy and {} production rows with their objects in {} s ({} rows/s)",
                created.legacyRows(), created.productionRows(), String.format("%.2f", seconds),
                String.format("%.0f", dataset.rows() / seconds));
        return created;
    }
}
