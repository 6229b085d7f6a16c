package io.github.s3migration;

import java.util.List;

import org.apache.camel.spi.PropertiesComponent;

/** What this run does, as opposed to what it migrates: the mode and the operator's switches. */
public record JobOptions(String mode, boolean dryRun, boolean verbose, boolean assumeYes, boolean embedded,
        String logDir) {

    public static final String MIGRATE = "migrate";
    public static final String REPLAY = "replay";
    public static final String STATUS = "status";
    public static final String VERIFY = "verify";
    public static final String DEAD_LETTERS = "dead-letters";
    private static final List<String> MODES = List.of(MIGRATE, REPLAY, STATUS, VERIFY, DEAD_LETTERS);

    static JobOptions from(PropertiesComponent properties) {
        Settings settings = new Settings(properties);
        String mode = settings.text("migration.mode", MIGRATE);
        if (!MODES.contains(mode)) {
            throw new InvalidConfigurationException("migration.mode must be one of " + String.join(", ", MODES)
                    + ", not '" + mode + "'");
        }
        return new JobOptions(mode, settings.flag("migration.dry-run", false), settings.flag("migration.verbose", false),
                settings.flag("migration.assume-yes", false), settings.flag("migration.embedded", false),
                settings.text("migration.log-dir", "logs"));
    }

    /** Modes that copy objects and update rows. */
    public boolean migrates() {
        return mode.equals(MIGRATE) || mode.equals(REPLAY);
    }
}
