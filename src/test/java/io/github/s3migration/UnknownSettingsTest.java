package io.github.s3migration;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A misspelled migration.*, prepare.* or check.* key stops the job, naming the nearest known key. */
@Tag("fast")
class UnknownSettingsTest {

    @Test
    void anUnknownKeyIsRefusedWithTheNearestKnownOne() {
        assertThatThrownBy(() -> UnknownSettings.refuse(TestProperties.overDefaults("migration.paralelism", "64")))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("Unknown setting migration.paralelism (did you mean migration.parallelism?)");
        assertThatThrownBy(() -> UnknownSettings.refuse(TestProperties.of("prepare.cuont", "10")))
                .hasMessage("Unknown setting prepare.cuont (did you mean prepare.count?)");
        assertThatThrownBy(() -> UnknownSettings.refuse(TestProperties.of("migration.s3.secret", "x")))
                .hasMessage("Unknown setting migration.s3.secret (did you mean migration.s3.secret-key?)");
    }

    @Test
    void knownKeysAndOtherPrefixesPass() {
        assertThatCode(() -> UnknownSettings.refuse(TestProperties.overDefaults("migration.parallelism", "64",
                "check.count", "10", "camel.main.name", "x", "migrations.x", "y")))
                .doesNotThrowAnyException();
    }

    @Test
    void aSystemPropertyIsCheckedToo() {
        System.setProperty("check.cuont", "10");
        try {
            assertThatThrownBy(() -> UnknownSettings.refuse(TestProperties.of()))
                    .isInstanceOf(InvalidConfigurationException.class)
                    .hasMessage("Unknown setting check.cuont (did you mean check.count?)");
        } finally {
            System.clearProperty("check.cuont");
        }
    }

    @Test
    void theDistanceIsTheFewestOneCharacterEdits() {
        assertThat(UnknownSettings.distance("kitten", "sitting")).isEqualTo(3);
        assertThat(UnknownSettings.distance("migration.paralelism", "migration.parallelism")).isEqualTo(1);
        assertThat(UnknownSettings.distance("", "abc")).isEqualTo(3);
        assertThat(UnknownSettings.distance("same", "same")).isZero();
    }
}
