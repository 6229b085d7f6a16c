package io.github.s3migration;

import java.util.List;

import org.apache.camel.spi.PropertiesComponent;

/** What this run does, as opposed to what it migrates: the mode, the operator's switches, the dataset to prepare. */
public record JobOptions(String mode, boolean dryRun, boolean verbose, boolean assumeYes, boolean embedded,
        int embeddedSampleRows, String logDir, boolean jsonLogs, long statusMaxListedObjects, int stopTimeoutSeconds, boolean lock,
        int metricsLingerSeconds, Dataset dataset) {

    /** The simulated dataset of the prepare and check modes. */
    public record Dataset(long rows, double legacyShare, int minObjectBytes, int maxObjectBytes, boolean allowDestroy) {
    }

    public static final String MIGRATE = "migrate";
    public static final String REPLAY = "replay";
    public static final String STATUS = "status";
    public static final String VERIFY = "verify";
    public static final String DEAD_LETTERS = "dead-letters";
    public static final String PREPARE = "prepare";
    public static final String CHECK = "check";
    private static final List<String> MODES = List.of(MIGRATE, REPLAY, STATUS, VERIFY, DEAD_LETTERS, PREPARE, CHECK);

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
                settings.text("migration.log-dir"),
                settings.choice("migration.log-format", List.of("text", "json")).equals("json"),
                settings.integer("migration.status.max-listed-objects", 0, Integer.MAX_VALUE),
                settings.integer("migration.stop-timeout-seconds", 1, 3_600), settings.flag("migration.lock"),
                settings.integer("migration.metrics-linger-seconds", 0, 3_600), dataset);
    }

    /** Modes that copy objects and update rows. */
    public boolean migrates() {
        return mode.equals(MIGRATE) || mode.equals(REPLAY) || mode.equals(CHECK);
    }

    /** Runs that write (not a dry run): one at a time per migration. */
    public boolean writes() {
        return prepares() || (migrates() && !dryRun);
    }

    /** Modes that drop the table and empty the buckets to build a simulated dataset. */
    public boolean prepares() {
        return mode.equals(PREPARE) || mode.equals(CHECK);
    }
}
