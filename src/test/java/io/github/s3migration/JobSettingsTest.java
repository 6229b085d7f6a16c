package io.github.s3migration;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.s3.model.StorageClass;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every key is read and checked once, at start-up, with the defaults of application.properties and nowhere else. */
@Tag("fast")
class JobSettingsTest {

    @Test
    void theDefaultsAreThoseOfApplicationPropertiesAndTheComputedValuesFollowThem() {
        JobSettings settings = JobSettings.read(TestProperties.overDefaults());

        assertThat(settings.pipeline()).isEqualTo(new PipelineSettings(4 * (32 + 100), 2, 2, 500, 5_000, 200));
        assertThat(settings.retry()).isEqualTo(new RetrySettings(120, -1, 200, 10_000));
        assertThat(settings.options().mode()).isEqualTo(JobOptions.MIGRATE);
        assertThat(settings.options().embeddedSampleRows()).isEqualTo(2_000);
        assertThat(settings.options().dataset().rows()).isEqualTo(10_000);
    }

    @Test
    void theComputedValuesFollowParallelismAndBatchSizeUnlessSet() {
        assertThat(JobSettings.read(TestProperties.overDefaults("migration.parallelism", "256",
                "migration.batch-size", "50")).pipeline())
                .extracting(PipelineSettings::rowsInFlight, PipelineSettings::listingThreads)
                .containsExactly(4 * (256 + 50), 17);
        assertThat(JobSettings.read(TestProperties.overDefaults("migration.rows-in-flight", "5000",
                "migration.listing-threads", "3")).pipeline())
                .extracting(PipelineSettings::rowsInFlight, PipelineSettings::listingThreads)
                .containsExactly(5_000, 3);
    }

    /** These are read by the routes only: a bad value must fail here, with one line, not inside Camel. */
    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "migration.progress-interval-ms | 5s      | migration.progress-interval-ms must be a whole number, not '5s'",
            "migration.poll-delay-ms        | 0       | migration.poll-delay-ms must be between 1 and 60000, not 0",
            "migration.retry.initial-delay-ms | -1    | migration.retry.initial-delay-ms must be between 0 and 600000, not -1",
            "migration.retry.max-delay-ms   | 100     | migration.retry.max-delay-ms must be between 200 and 3600000, not 100",
            "migration.update-threads       | 0       | migration.update-threads must be between 1 and 64, not 0",
            "migration.mode                 | migrat  | migration.mode must be one of migrate, replay, status, verify, dead-letters, prepare, check, cleanup, rollback, plan, not 'migrat'",
            "prepare.count                  | many    | prepare.count must be a whole number, not 'many'"})
    void aBadValueOfAKeyTheRoutesReadIsOneLine(String key, String value, String message) {
        assertThatThrownBy(() -> JobSettings.read(TestProperties.overDefaults(key, value)))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage(message);
    }

    @Test
    void howCopiesAreStoredIsOneOfWhatS3Knows() {
        TargetObjectSettings target = JobSettings.read(TestProperties.overDefaults("migration.target.acl",
                "public-read", "migration.target.storage-class", "STANDARD_IA", "migration.target.sse", "aws:kms",
                "migration.target.sse-kms-key-id", "alias/avatars")).targetObjects();
        assertThat(target.publicRead()).isTrue();
        assertThat(target.storageClass()).contains(StorageClass.STANDARD_IA);
        assertThat(target.sseKmsKeyId()).contains("alias/avatars");
        assertThat(JobSettings.read(TestProperties.overDefaults()).targetObjects().publicRead()).isFalse();
        assertThatThrownBy(() -> JobSettings.read(TestProperties.overDefaults("migration.target.acl", "public")))
                .hasMessageStartingWith("migration.target.acl must be empty or one of authenticated-read,"
                        + " aws-exec-read, bucket-owner-full-control, bucket-owner-read, private, public-read,"
                        + " public-read-write, not 'public'");
        assertThatThrownBy(() -> JobSettings.read(TestProperties.overDefaults("migration.target.sse-kms-key-id",
                "alias/avatars"))).hasMessage("migration.target.sse-kms-key-id needs migration.target.sse=aws:kms");
    }

    @Test
    void checkCountIsPrepareCountUnlessSet() {
        assertThat(JobSettings.read(TestProperties.overDefaults("migration.mode", "check", "prepare.count", "300"))
                .options().dataset().rows()).isEqualTo(300);
        assertThat(JobSettings.read(TestProperties.overDefaults("migration.mode", "check", "prepare.count", "300",
                "check.count", "40")).options().dataset().rows()).isEqualTo(40);
    }

    @Test
    void aDatabaseOrEndpointWithTheEmbeddedDefaultIsAProductionRunWithoutItsProfile() {
        assertThatThrownBy(() -> JobSettings.read(TestProperties.overDefaults("migration.db.url",
                "jdbc:postgresql://db.internal:5432/app")))
                .hasMessage("A database or S3 endpoint is set but migration.embedded=true: add -Dcamel.main.profile=prod"
                        + " (or -Dmigration.embedded=false)");
    }
}
