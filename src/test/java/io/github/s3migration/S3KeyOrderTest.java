package io.github.s3migration;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("fast")
class S3KeyOrderTest {

    @Test
    void keysSortAsS3ListsThemByTheirUtf8Bytes() {
        // Java's String order puts U+FF5E (a BMP char) after U+1F600 (a surrogate pair); UTF-8 puts it before.
        List<String> keys = new ArrayList<>(List.of("avatar/\uD83D\uDE00", "avatar/\uFF5E", "avatar/b", "avatar/B",
                "avatar/", "avatar/ab"));

        keys.sort(S3KeyOrder.COMPARATOR);

        assertThat(keys).containsExactly("avatar/", "avatar/B", "avatar/ab", "avatar/b", "avatar/\uFF5E",
                "avatar/\uD83D\uDE00");
    }
}
