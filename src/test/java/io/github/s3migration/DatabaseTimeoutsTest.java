package io.github.s3migration;

import java.time.Duration;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("fast")
class DatabaseTimeoutsTest {

    @Test
    void theDefaultsGiveAStatementTenMinutesAndALockWaitTenSeconds() {
        DatabaseTimeouts timeouts = DatabaseTimeouts.from(TestProperties.overDefaults());

        assertThat(timeouts).isEqualTo(new DatabaseTimeouts(Duration.ofMinutes(10), Duration.ofSeconds(10)));
        assertThat(timeouts.sessionSettings()).isEqualTo("SET statement_timeout = 600000; SET lock_timeout = 10000");
    }

    @Test
    void eachNewConnectionGetsTheGivenTimeouts() {
        DatabaseTimeouts timeouts = DatabaseTimeouts.from(TestProperties.of("migration.db.statement-timeout-ms",
                "1500", "migration.db.lock-timeout-ms", "300"));

        assertThat(timeouts.sessionSettings()).isEqualTo("SET statement_timeout = 1500; SET lock_timeout = 300");
    }

    @Test
    void aSilentSocketIsGivenUpHalfAMinuteAfterTheStatementTimeout() {
        assertThat(new DatabaseTimeouts(Duration.ofMillis(1_500), Duration.ofSeconds(1)).socketTimeoutSeconds())
                .isEqualTo(31);
        assertThat(new DatabaseTimeouts(Duration.ofMinutes(10), Duration.ofSeconds(10)).socketTimeoutSeconds())
                .isEqualTo(630);
    }

    @Test
    void aTimeoutOfZeroWouldMeanNoneAndIsRefused() {
        assertThatThrownBy(() -> DatabaseTimeouts.from(TestProperties.overDefaults("migration.db.lock-timeout-ms", "0")))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("migration.db.lock-timeout-ms must be between 1 and 2147483647, not 0");
        assertThatThrownBy(() -> DatabaseTimeouts.from(TestProperties.overDefaults("migration.db.statement-timeout-ms", "10m")))
                .hasMessage("migration.db.statement-timeout-ms must be a whole number, not '10m'");
    }
}
