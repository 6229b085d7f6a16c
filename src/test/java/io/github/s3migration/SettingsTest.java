package io.github.s3migration;

import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every bad value is one line naming the key, the rule and the value given. */
@Tag("fast")
class SettingsTest {

    @Test
    void aWholeNumberIsReadTrimmedAndAnEmptyValueIsRefusedAsMissing() {
        Settings settings = new Settings(TestProperties.of("migration.batch-size", " 250 ", "migration.parallelism", " "));

        assertThat(settings.integer("migration.batch-size", 1, 10_000)).isEqualTo(250);
        assertThatThrownBy(() -> settings.integer("migration.parallelism", 1, 4_096))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("Missing required setting migration.parallelism (environment variable MIGRATION_PARALLELISM)");
    }

    @Test
    void aComputedNumberMayBeLeftEmptyButNotWrong() {
        Settings settings = new Settings(TestProperties.of("migration.rows-in-flight", " ", "migration.listing-threads",
                "8", "migration.metrics-port", "http"));

        assertThat(settings.optionalInteger("migration.rows-in-flight", 1, 10)).isEmpty();
        assertThat(settings.optionalInteger("migration.listing-threads", 1, 256)).hasValue(8);
        assertThatThrownBy(() -> settings.optionalInteger("migration.metrics-port", 1, 65_535))
                .hasMessage("migration.metrics-port must be a whole number, not 'http'");
    }

    @Test
    void aNumberOutOfItsRangeNamesTheRange() {
        Settings settings = new Settings(TestProperties.of("migration.batch-size", "0", "migration.parallelism", "4097"));

        assertThatThrownBy(() -> settings.integer("migration.batch-size", 1, 10_000))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("migration.batch-size must be between 1 and 10000, not 0");
        assertThatThrownBy(() -> settings.integer("migration.parallelism", 1, 4_096))
                .hasMessage("migration.parallelism must be between 1 and 4096, not 4097");
    }

    @Test
    void somethingElseThanAWholeNumberIsRefusedAsGiven() {
        Settings settings = new Settings(TestProperties.of("migration.batch-size", "1e3", "migration.parallelism",
                "99999999999"));

        assertThatThrownBy(() -> settings.integer("migration.batch-size", 1, 10_000))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("migration.batch-size must be a whole number, not '1e3'");
        assertThatThrownBy(() -> settings.integer("migration.parallelism", 1, 4_096))
                .hasMessage("migration.parallelism must be a whole number, not '99999999999'");
    }

    @Test
    void aFlagIsTrueOrFalseInAnyCaseAndNothingElse() {
        Settings settings = new Settings(TestProperties.of("migration.verbose", "TRUE", "migration.dry-run", "False",
                "migration.assume-yes", "yes"));

        assertThat(settings.flag("migration.verbose")).isTrue();
        assertThat(settings.flag("migration.dry-run")).isFalse();
        assertThatThrownBy(() -> settings.flag("migration.assume-yes"))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("migration.assume-yes must be true or false, not 'yes'");
    }

    @Test
    void aFractionIsFromZeroToOne() {
        Settings settings = new Settings(TestProperties.of("prepare.legacy-share", "0.3", "a.whole", "1",
                "a.zero", "0", "a.too-big", "1.5", "a.negative", "-0.1", "a.word", "half"));

        assertThat(settings.fraction("prepare.legacy-share")).isEqualTo(0.3);
        assertThat(settings.fraction("a.whole")).isEqualTo(1.0);
        assertThat(settings.fraction("a.zero")).isEqualTo(0.0);
        for (String key : List.of("a.too-big", "a.negative", "a.word")) {
            assertThatThrownBy(() -> settings.fraction(key)).isInstanceOf(InvalidConfigurationException.class)
                    .hasMessageMatching(key.replace(".", "\\.") + " must be a number from 0 to 1, not '[^']+'");
        }
        assertThatThrownBy(() -> settings.fraction("a.too-big"))
                .hasMessage("a.too-big must be a number from 0 to 1, not '1.5'");
    }

    @Test
    void aChoiceIsOneOfTheAllowedValuesAndNeverEmpty() {
        Settings settings = new Settings(TestProperties.of("migration.log-format", "json", "empty.choice", "",
                "bad.choice", "xml"));

        assertThat(settings.choice("migration.log-format", List.of("text", "json"))).isEqualTo("json");
        assertThatThrownBy(() -> settings.choice("empty.choice", List.of("text", "json")))
                .hasMessageStartingWith("Missing required setting empty.choice");
        assertThatThrownBy(() -> settings.choice("bad.choice", List.of("text", "json")))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("bad.choice must be one of text, json, not 'xml'");
    }

    @Test
    void anIdentifierIsAPlainSqlNameAndATableMayNameItsSchema() {
        Settings settings = new Settings(TestProperties.of("migration.table", "public.avatars",
                "migration.id-column", "_Id9", "migration.key-column", "public.path", "injected.table",
                "avatars; DROP TABLE avatars", "quoted.column", "\"path\"", "digit.column", "9path", "long.column",
                "c".repeat(64), "longest.column", "c".repeat(63), "three.parts", "db.public.avatars"));

        assertThat(settings.identifier("migration.table", true)).isEqualTo("public.avatars");
        assertThat(settings.identifier("migration.id-column", false)).isEqualTo("_Id9");
        assertThat(settings.identifier("longest.column", false)).hasSize(63);
        assertThatThrownBy(() -> settings.identifier("migration.key-column", false))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("migration.key-column is not a plain SQL identifier: 'public.path'");
        assertThatThrownBy(() -> settings.identifier("injected.table", true))
                .hasMessage("injected.table is not a plain SQL identifier: 'avatars; DROP TABLE avatars'");
        for (String key : List.of("quoted.column", "digit.column", "long.column", "three.parts")) {
            assertThatThrownBy(() -> settings.identifier(key, true)).isInstanceOf(InvalidConfigurationException.class)
                    .hasMessageStartingWith(key + " is not a plain SQL identifier: ");
        }
    }

    @Test
    void aMissingRequiredSettingNamesItsEnvironmentVariable() {
        Settings settings = new Settings(TestProperties.of("migration.db.user", "  "));

        assertThatThrownBy(() -> settings.required("migration.db.url"))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("Missing required setting migration.db.url (environment variable MIGRATION_DB_URL)");
        assertThatThrownBy(() -> settings.required("migration.db.user"))
                .hasMessage("Missing required setting migration.db.user (environment variable MIGRATION_DB_USER)");
    }

    @Test
    void theEnvironmentVariableOfAKeyIsItInCapitalsWithUnderscores() {
        assertThat(Settings.environmentName("migration.s3.access-key")).isEqualTo("MIGRATION_S3_ACCESS_KEY");
        assertThat(Settings.environmentName("migration.db.statement-timeout-ms"))
                .isEqualTo("MIGRATION_DB_STATEMENT_TIMEOUT_MS");
    }

    @Test
    void textIsTrimmedAndMayBeEmpty() {
        Settings settings = new Settings(TestProperties.of("migration.source.prefix", " image/ ", "migration.log-dir",
                "   "));

        assertThat(settings.text("migration.source.prefix")).isEqualTo("image/");
        assertThat(settings.text("migration.log-dir")).isEmpty();
        assertThat(settings.optional("migration.log-dir")).isEmpty();
    }

    @Test
    void secretsAreReadVerbatimAndAnEnvironmentPlaceholderIsFollowed() {
        Settings settings = new Settings(TestProperties.of("migration.db.password", " pa{{ss}} word ",
                "migration.s3.secret-key", "{{env:PATH:}}"));

        assertThat(settings.secret("migration.db.password")).isEqualTo(" pa{{ss}} word ");
        assertThat(settings.secret("migration.s3.secret-key")).isEqualTo(System.getenv("PATH"));
        assertThat(settings.secret("migration.unset")).isEmpty();
        assertThat(SecretMasking.mask("was pa{{ss}} word .")).isEqualTo("was****.");
    }

    @Test
    void anUnsetEnvironmentVariableGivesThePlaceholdersDefault() {
        Settings settings = new Settings(TestProperties.of("with.default", "{{env:S3_MIGRATION_TEST_UNSET_6f2a:fallback-8c1d}}",
                "without.default", "{{env:S3_MIGRATION_TEST_UNSET_6f2a}}"));

        assertThat(settings.secret("with.default")).isEqualTo("fallback-8c1d");
        assertThat(settings.secret("without.default")).isEmpty();
    }
}
