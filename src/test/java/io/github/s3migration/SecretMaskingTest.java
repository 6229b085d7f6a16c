package io.github.s3migration;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("fast")
class SecretMaskingTest {

    @Test
    void passwordParametersAndUserInfoAreMaskedInAnyText() {
        assertThat(SecretMasking.mask("Cannot parse jdbc:postgresql://db:x/app?user=a&password=s3cr3t&ssl=true"))
                .isEqualTo("Cannot parse jdbc:postgresql://db:x/app?user=a&password=****&ssl=true");
        assertThat(SecretMasking.mask("url jdbc:postgresql://someone:pa55word@db.internal:5432/app failed"))
                .isEqualTo("url jdbc:postgresql://someone:****@db.internal:5432/app failed");
        assertThat(SecretMasking.mask("connection to someone:pa55word@127.0.0.1:9 failed"))
                .isEqualTo("connection to someone:****@127.0.0.1:9 failed");
        assertThat(SecretMasking.mask("https://s3.example.com/bucket?x=1 at 10:15 a@b")).isEqualTo(
                "https://s3.example.com/bucket?x=1 at 10:15 a@b");
    }

    @Test
    void aRegisteredSecretIsMaskedWherever()  {
        SecretMasking.register("registered-secret-8d1f");
        SecretMasking.register("abc");

        assertThat(SecretMasking.mask("signature for registered-secret-8d1f did not match; abc"))
                .isEqualTo("signature for **** did not match; abc");
    }
}
