package io.github.s3migration;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.S3Object;

import static org.assertj.core.api.Assertions.assertThat;

/** When verify says a copy differs from its legacy source. */
@Tag("fast")
class VerificationTest {

    @Test
    void aCopyDiffersWhenItsSizeOrItsSinglePartETagDoes() {
        S3Object source = object(1024, "\"9e107d9d372bb6826bd81d3542a419d6\"");

        assertThat(Verification.differ(object(1024, "\"9e107d9d372bb6826bd81d3542a419d6\""), source)).isFalse();
        assertThat(Verification.differ(object(1025, "\"9e107d9d372bb6826bd81d3542a419d6\""), source)).isTrue();
        assertThat(Verification.differ(object(1024, "\"e4d909c290d0fb1ca068ffaddf22cbd0\""), source)).isTrue();
    }

    @Test
    void anETagOfAnObjectUploadedInPartsIsNoDigestSoOnlyTheSizeCounts() {
        S3Object multipartSource = object(1024, "\"d41d8cd98f00b204e9800998ecf8427e-2\"");

        assertThat(Verification.differ(object(1024, "\"9e107d9d372bb6826bd81d3542a419d6\""), multipartSource)).isFalse();
        assertThat(Verification.differ(object(2048, "\"9e107d9d372bb6826bd81d3542a419d6\""), multipartSource)).isTrue();
    }

    private static S3Object object(long size, String etag) {
        return S3Object.builder().key("k").size(size).eTag(etag).build();
    }
}
