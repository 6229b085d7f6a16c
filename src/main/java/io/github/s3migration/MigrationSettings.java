package io.github.s3migration;

import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.camel.spi.PropertiesComponent;

/**
 * What to migrate and how hard to push, validated once at start-up: the routes use the same keys as placeholders,
 * so a value that passes here is what goes into their SQL and endpoint URIs.
 */
public record MigrationSettings(
        String table,
        String idColumn,
        String keyColumn,
        String sourceBucket,
        String sourcePrefix,
        String targetBucket,
        String targetPrefix,
        int batchSize,
        int parallelism,
        boolean skipExisting,
        String deadLetterDir) {

    private static final Pattern BUCKET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{1,254}");

    static MigrationSettings from(PropertiesComponent properties) {
        Settings settings = new Settings(properties);
        MigrationSettings answer = new MigrationSettings(
                settings.identifier("migration.table", true),
                settings.identifier("migration.id-column", false),
                settings.identifier("migration.key-column", false),
                bucket(settings, "migration.source.bucket"),
                settings.required("migration.source.prefix"),
                bucket(settings, "migration.target.bucket"),
                settings.required("migration.target.prefix"),
                settings.integer("migration.batch-size", 1, 10_000),
                settings.integer("migration.parallelism", 1, 4_096),
                settings.flag("migration.skip-existing"),
                settings.required("migration.dead-letter-dir"));
        answer.checkPrefixesAreDistinct();
        return answer;
    }

    private static String bucket(Settings settings, String key) {
        String name = settings.required(key);
        if (!BUCKET.matcher(name).matches()) {
            throw new InvalidConfigurationException(key + " is not a valid bucket name: '" + name + "'");
        }
        return name;
    }

    /** The table in SQL text: the routes' SQL reads it as {@code {{bean:migrationSettings.sqlTable}}}. */
    public String sqlTable() {
        return quoted(table);
    }

    public String sqlIdColumn() {
        return quoted(idColumn);
    }

    public String sqlKeyColumn() {
        return quoted(keyColumn);
    }

    /**
     * Each part folded to lower case, as PostgreSQL folds an unquoted name, then quoted, so that a name that is also a
     * reserved word (a column called {@code order}) still works.
     */
    static String quoted(String identifier) {
        return Arrays.stream(identifier.split("\\.")).map(part -> '"' + part.toLowerCase(Locale.ROOT) + '"')
                .collect(Collectors.joining("."));
    }

    /** A key under both prefixes would be legacy and production at once. */
    private void checkPrefixesAreDistinct() {
        if (sourcePrefix.startsWith(targetPrefix) || targetPrefix.startsWith(sourcePrefix)) {
            throw new InvalidConfigurationException("migration.source.prefix '" + sourcePrefix
                    + "' and migration.target.prefix '" + targetPrefix + "' overlap: one starts with the other");
        }
    }

    public KeyMapping keyMapping() {
        return new KeyMapping(sourcePrefix, targetPrefix);
    }
}
