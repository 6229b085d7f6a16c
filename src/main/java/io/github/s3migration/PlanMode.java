package io.github.s3migration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * migration.mode=plan: the fixed id slices of a sharded migration. Reads the table's id range once (min and max, which
 * an index on the id answers without reading the table) and how the legacy rows spread over it (all their ids, or a
 * sample of a large table's pages), and prints the values every shard needs, as lines an operator can put into an env
 * file or a ConfigMap; with migration.plan.manifest, fills them into the Indexed Job's manifest too. Where equal id
 * slices would give some shards far more legacy rows than others, the plan cuts the ids at equal shares of the legacy
 * rows instead (migration.shard.bounds). Nothing is written to the database or the buckets.
 */
record PlanMode(JobBeans job) implements JobMode {

    private static final Logger LOG = LoggerFactory.getLogger(PlanMode.class);

    @Override
    public Optional<ExitCode> beforeRoutes() throws SQLException, IOException {
        JobOptions.Plan plan = job.options().plan();
        MigrationSettings settings = job.settings();
        long[] ids = idRange(settings);
        LOG.info("Shard plan for table {}: {} shards over ids {} to {}; the first also takes smaller ids and the last"
                + " greater ones, such as rows inserted after this plan", settings.table(), plan.shards(), ids[0], ids[1]);
        LegacyIdSample legacy = LegacyIdSample.read(job.dataSource(), settings);
        List<Shard> shards = Shard.plan(plan.shards(), ids[0], ids[1], List.of());
        List<Long> bounds = List.of();
        if (legacy.uneven(shards)) {
            printShards(shards, legacy);
            bounds = legacy.equalShareBounds(plan.shards());
            shards = Shard.plan(plan.shards(), ids[0], ids[1], bounds);
            LOG.info("The legacy rows are unevenly spread over the ids: the slices above would not share the work. The"
                    + " plan cuts the ids where the legacy rows split into equal shares instead (" + Shard.BOUNDS + "):");
        }
        printShards(shards, legacy);
        String boundsValue = bounds.stream().map(String::valueOf).collect(Collectors.joining(","));
        LOG.info("Every shard runs with these values and its own migration.shard.index (JOB_COMPLETION_INDEX in a"
                + " Kubernetes Indexed Job):");
        LOG.info("MIGRATION_SHARD_COUNT={}", plan.shards());
        LOG.info("MIGRATION_SHARD_ID_MIN={}", ids[0]);
        LOG.info("MIGRATION_SHARD_ID_MAX={}", ids[1]);
        LOG.info("MIGRATION_SHARD_BOUNDS={}", boundsValue);
        if (!plan.manifest().isEmpty()) {
            Path template = Path.of(plan.manifest());
            Path out = Path.of(plan.manifestOut());
            String filled;
            try {
                filled = PlannedManifest.fill(Files.readString(template), plan.shards(), ids[0], ids[1], boundsValue);
            } catch (IOException e) {
                throw new InvalidConfigurationException("Cannot read migration.plan.manifest " + template + ": " + e);
            }
            Files.writeString(out, filled);
            LOG.info("The planned manifest is {}: kubectl apply -f {}", out.toAbsolutePath(), out);
        }
        return Optional.of(ExitCode.DONE);
    }

    private static void printShards(List<Shard> shards, LegacyIdSample legacy) {
        long[] rows = legacy.legacyRowsPerShard(shards);
        for (Shard shard : shards) {
            LOG.info("* {}: {}{} legacy rows", shard.describe(), legacy.sampled() ? "about " : "", rows[shard.index()]);
        }
    }

    /** The table's smallest and greatest id; a table without rows has nothing to split. */
    private long[] idRange(MigrationSettings settings) throws SQLException {
        String id = settings.sqlIdColumn();
        try (Connection connection = job.dataSource().getConnection();
             Statement query = connection.createStatement();
             ResultSet range = query.executeQuery("SELECT min(" + id + "), max(" + id + ") FROM " + settings.sqlTable())) {
            range.next();
            long min = range.getLong(1);
            if (range.wasNull()) {
                throw new InvalidConfigurationException("Table " + settings.table() + " has no rows: there is nothing to"
                        + " split into shards");
            }
            return new long[] {min, range.getLong(2)};
        }
    }
}
