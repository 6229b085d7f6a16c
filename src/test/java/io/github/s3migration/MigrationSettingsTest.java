package io.github.s3migration;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.camel.spi.PropertiesComponent;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The key mapping of a legacy row, and the settings that name what is migrated. */
@Tag("fast")
class MigrationSettingsTest {

    private final MigrationSettings settings = MigrationSettings.from(TestProperties.overDefaults());

    @Test
    void theDefaultsAreThoseOfTheSampleData() {
        assertThat(settings).isEqualTo(new MigrationSettings("avatars", "id", "path", "sketch-legacy-s3", "image/",
                "sketch-production-s3", "avatar/", 100, 32, true, "dead-letters"));
    }

    @Test
    void aLegacyKeyMovesToTheTargetPrefixWithTheRestOfItsKeyAsItIs() {
        assertThat(settings.keyMapping().plan(row(7, "image/avatar-7.png")))
                .isEqualTo(new RowMigration(7, "image/avatar-7.png", "avatar/avatar-7.png"));
        assertThat(settings.keyMapping().plan(row(8, "image/image/a b+c%20ü.png")))
                .isEqualTo(new RowMigration(8, "image/image/a b+c%20ü.png", "avatar/image/a b+c%20ü.png"));
    }

    @Test
    void theRowIdMayComeAsAnyNumberType() {
        assertThat(settings.keyMapping().plan(Map.of("id", 9, "source_key", "image/a.png")).id()).isEqualTo(9);
        assertThat(settings.keyMapping().plan(Map.of("id", new BigDecimal("12345678901"), "source_key", "image/a.png")).id())
                .isEqualTo(12_345_678_901L);
    }

    @Test
    void aKeyThatIsThePrefixAloneIsRefused() {
        assertThatThrownBy(() -> settings.keyMapping().plan(row(2, "image/")))
                .isInstanceOf(InvalidRowException.class)
                .hasMessage("key 'image/' is the legacy prefix alone: there is no object name to move");
    }

    @Test
    void aTargetKeyOverTheS3LimitOf1024BytesIsRefused() {
        // The target prefix is one byte longer than the source prefix; ü is two bytes in UTF-8.
        String fits = "image/" + "ü".repeat(508) + "x";
        String tooLong = "image/" + "ü".repeat(508) + "xy";
        assertThat(settings.keyMapping().plan(row(1, fits)).targetKey().getBytes(StandardCharsets.UTF_8)).hasSize(1_024);

        assertThatThrownBy(() -> settings.keyMapping().plan(row(2, tooLong)))
                .isInstanceOf(InvalidRowException.class)
                .hasMessage("target key would be longer than 1024 bytes, the S3 limit");
    }

    @Test
    void prefixesThatOverlapAreRefused() {
        assertThatThrownBy(() -> MigrationSettings.from(TestProperties.overDefaults("migration.target.prefix",
                "image/new/")))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("migration.source.prefix 'image/' and migration.target.prefix 'image/new/' overlap: one starts"
                        + " with the other");
        assertThatThrownBy(() -> MigrationSettings.from(TestProperties.overDefaults("migration.source.prefix", "a",
                "migration.target.prefix", "a")))
                .hasMessage("migration.source.prefix 'a' and migration.target.prefix 'a' overlap: one starts with the other");
        // Distinct prefixes may share a beginning.
        assertThat(MigrationSettings.from(TestProperties.overDefaults("migration.source.prefix", "img/old-",
                "migration.target.prefix", "img/new-")).keyMapping().plan(row(1, "img/old-a.png")).targetKey())
                .isEqualTo("img/new-a.png");
    }

    @Test
    void anEmptyPrefixIsMissingRatherThanEveryKey() {
        assertThatThrownBy(() -> MigrationSettings.from(TestProperties.overDefaults("migration.source.prefix", " ")))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("Missing required setting migration.source.prefix (environment variable"
                        + " MIGRATION_SOURCE_PREFIX)");
    }

    @Test
    void namesGoIntoTheRoutesSqlFoldedToLowerCaseAndQuoted() {
        PropertiesComponent properties = TestProperties.overDefaults("migration.table", "Media.Avatars",
                "migration.id-column", "order", "migration.key-column", "Path");

        MigrationSettings quoted = MigrationSettings.from(properties);

        assertThat(quoted.sqlTable()).isEqualTo("\"media\".\"avatars\"");
        assertThat(quoted.sqlIdColumn()).isEqualTo("\"order\"");
        assertThat(quoted.sqlKeyColumn()).isEqualTo("\"path\"");
    }

    @Test
    void aBucketNameS3WouldRefuseIsRefusedFirst() {
        assertThatThrownBy(() -> MigrationSettings.from(TestProperties.overDefaults("migration.target.bucket",
                "my bucket")))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("migration.target.bucket is not a valid bucket name: 'my bucket'");
    }

    @Test
    void batchSizeAndParallelismAreBounded() {
        assertThatThrownBy(() -> MigrationSettings.from(TestProperties.overDefaults("migration.batch-size", "10001")))
                .hasMessage("migration.batch-size must be between 1 and 10000, not 10001");
        assertThatThrownBy(() -> MigrationSettings.from(TestProperties.overDefaults("migration.parallelism", "0")))
                .hasMessage("migration.parallelism must be between 1 and 4096, not 0");
    }

    private static Map<String, Object> row(long id, String sourceKey) {
        return Map.of("id", id, "source_key", sourceKey);
    }
}
