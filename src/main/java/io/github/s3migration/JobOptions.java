package io.github.s3migration;

import java.util.List;
import java.util.Optional;

import org.apache.camel.spi.PropertiesComponent;

/** What this run does, as opposed to what it migrates: the mode, the operator's switches, the dataset to prepare. */
public record JobOptions(String mode, boolean dryRun, boolean verbose, boolean assumeYes, boolean embedded,
        int embeddedSampleRows, String embeddedDataDir, String logDir, String outcomeDir, boolean jsonLogs, long statusMaxListedObjects,
        int stopTimeoutSeconds, boolean lock, int metricsLingerSeconds, Dataset dataset, Cleanup cleanup,
        String rollbackRun, Optional<Shard> shard, Plan plan) {

    /** The simulated dataset of the prepare and check modes. */
    public record Dataset(long rows, double legacyShare, int minObjectBytes, int maxObjectBytes, boolean allowDestroy) {
    }

    public static final String MIGRATE = "migrate";
    public static final String REPLAY = "replay";
    public static final String CLEANUP = "cleanup";
    public static final String ROLLBACK = "rollback";
    public static final String STATUS = "status";
    public static final String VERIFY = "verify";
    public static final String DEAD_LETTERS = "dead-letters";
    public static final String PREPARE = "prepare";
    public static final String CHECK = "check";
    public static final String PLAN = "plan";
    private static final List<String> MODES = List.of(MIGRATE, REPLAY, STATUS, VERIFY, DEAD_LETTERS, PREPARE, CHECK,
            CLEANUP, ROLLBACK, PLAN);

    /**
     * The cleanup of legacy objects.
     *
     * @param referencedBy  columns besides the migration's own that may still hold a legacy key
     * @param minAgeHours   how long ago a row must have been migrated for its legacy object to go
     * @param execute       delete; false: only say what would be deleted
     */
    public record Cleanup(List<ColumnReference> referencedBy, int minAgeHours, boolean execute) {
    }

    /**
     * The plan of a sharded migration (migration.mode=plan).
     *
     * @param shards      how many shards
     * @param manifest    a Kubernetes manifest to fill with the plan's values; empty: none
     * @param manifestOut where the filled manifest goes
     */
    public record Plan(int shards, String manifest, String manifestOut) {

        static Plan from(Settings settings, String mode) {
            if (!mode.equals(PLAN)) {
                return new Plan(0, "", "");
            }
            int shards = settings.optionalInteger(Shard.COUNT, 1, 100_000).orElseThrow(() ->
                    new InvalidConfigurationException("migration.mode=plan needs " + Shard.COUNT
                            + "=<number of shards>"));
            String manifest = settings.text("migration.plan.manifest");
            String out = settings.optional("migration.plan.manifest-out")
                    .orElse(manifest.replaceFirst("(\\.ya?ml)?$", ".planned.yaml"));
            return new Plan(shards, manifest, out);
        }
    }

    static JobOptions from(PropertiesComponent properties) {
        Settings settings = new Settings(properties);
        String mode = settings.choice("migration.mode", MODES);
        String countKey = mode.equals(CHECK) ? "check.count" : "prepare.count";
        int minBytes = settings.integer("prepare.min-object-bytes", 0, 64 * 1024 * 1024);
        Dataset dataset = new Dataset(settings.integer(countKey, 1, Integer.MAX_VALUE),
                settings.fraction("prepare.legacy-share"),
                minBytes, settings.integer("prepare.max-object-bytes", minBytes, 64 * 1024 * 1024),
                settings.flag("prepare.allow-destroy"));
        return new JobOptions(mode, settings.flag("migration.dry-run"), settings.flag("migration.verbose"),
                settings.flag("migration.assume-yes"), settings.flag("migration.embedded"),
                settings.integer("migration.embedded.sample-rows", 0, 10_000_000),
                settings.text("migration.embedded.data-dir"),
                settings.text("migration.log-dir"), settings.required("migration.outcome-dir"),
                settings.choice("migration.log-format", List.of("text", "json")).equals("json"),
                settings.integer("migration.status.max-listed-objects", 0, Integer.MAX_VALUE),
                settings.integer("migration.stop-timeout-seconds", 1, 3_600), settings.flag("migration.lock"),
                settings.integer("migration.metrics-linger-seconds", 0, 3_600), dataset,
                new Cleanup(ColumnReference.list(settings, "migration.cleanup.referenced-by"),
                        settings.integer("migration.cleanup.min-age-hours", 0, 100_000),
                        settings.flag("migration.cleanup.execute")),
                mode.equals(ROLLBACK) ? rollbackRun(settings) : "", Shard.from(settings, mode),
                Plan.from(settings, mode));
    }

    private static String rollbackRun(Settings settings) {
        String run = settings.optional("migration.rollback.run").orElseThrow(() -> new InvalidConfigurationException(
                "migration.mode=rollback needs migration.rollback.run=<run id> (the id in the name of the run's log"
                        + " file or outcome records)"));
        if (!OutcomeRecords.isRunId(run)) {
            throw new InvalidConfigurationException("migration.rollback.run is not a run id (yyyyMMdd-HHmmss-xxxx, a"
                    + " shard's with -s<index>): '" + run + "'");
        }
        return run;
    }

    /** Modes that copy objects and update rows. */
    public boolean migrates() {
        return mode.equals(MIGRATE) || mode.equals(REPLAY) || mode.equals(CHECK);
    }

    /** Runs that write (not a dry run): one at a time per migration. */
    public boolean writes() {
        return prepares() || recordsOutcomes();
    }

    /** Runs that write outcome records: those that change rows or delete objects. */
    public boolean recordsOutcomes() {
        return ((migrates() || mode.equals(ROLLBACK)) && !dryRun) || cleanupDeletes();
    }

    /** A cleanup that deletes, rather than one that says what it would delete. */
    public boolean cleanupDeletes() {
        return mode.equals(CLEANUP) && cleanup.execute() && !dryRun;
    }

    /** Modes that drop the table and empty the buckets to build a simulated dataset. */
    public boolean prepares() {
        return mode.equals(PREPARE) || mode.equals(CHECK);
    }
}
