package io.github.s3migration;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Parts as S3 takes them: 5 MiB at least, 10,000 at most; a threshold only where S3 can copy in parts. */
@Tag("fast")
class MultipartCopyTest {

    private static final long MIB = 1L << 20;

    @Test
    void partsAreAtLeastFiveMibAtMostTenThousandAndNoLargerThanNeededBelow512Mib() {
        assertThat(MultipartCopy.partBytes(12 * MIB, 5 * MIB)).isEqualTo(5 * MIB);
        assertThat(MultipartCopy.partBytes(6L << 30, 5L << 30)).isEqualTo(512 * MIB);
        long fiveTib = 5L << 40;
        long part = MultipartCopy.partBytes(fiveTib, 5L << 30);
        assertThat((fiveTib + part - 1) / part).isLessThanOrEqualTo(10_000);
        assertThat(part).isGreaterThan(512 * MIB);
    }

    @Test
    void theThresholdIsBetweenS3sSmallestPartAndItsLargestCopyObject() {
        assertThat(TargetObjectSettings.from(TestProperties.overDefaults()).multipartCopyThreshold())
                .isEqualTo(5L << 30);
        assertThatThrownBy(() -> TargetObjectSettings.from(TestProperties.overDefaults(
                "migration.multipart-copy-threshold-bytes", "1000")))
                .hasMessage("migration.multipart-copy-threshold-bytes must be between 5242880 (S3's smallest part)"
                        + " and 5368709120 (its largest CopyObject), not 1000");
    }
}
