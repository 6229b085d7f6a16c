package io.github.s3migration;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The plan's values go into the manifest's lines for them, and nowhere else; a manifest without them is refused. */
@Tag("fast")
class PlannedManifestTest {

    private static final String MANIFEST = """
            spec:
              # one pod per shard
              completions: 4
              parallelism: 4
              template:
                spec:
                  containers:
                    - name: migration
                      env:
                        - name: MIGRATION_SHARD_COUNT
                          value: "4"
                        - name: MIGRATION_SHARD_ID_MIN
                          value: "1"   # from the plan
                        - name: MIGRATION_SHARD_ID_MAX
                          value: '1000000'
                        - name: MIGRATION_SHARD_BOUNDS
                          value: ""
                        - name: MIGRATION_PARALLELISM
                          value: "64"
            """;

    @Test
    void thePlansValuesReplaceTheExamplesAndCommentsStay() {
        assertThat(PlannedManifest.fill(MANIFEST, 3, -5, 98_765_432_109L, "10,20")).isEqualTo(MANIFEST
                .replace("completions: 4", "completions: 3")
                .replace("value: \"4\"", "value: \"3\"")
                .replace("value: \"1\"   # from the plan", "value: \"-5\"   # from the plan")
                .replace("value: '1000000'", "value: \"98765432109\"")
                .replace("value: \"\"", "value: \"10,20\""));
    }

    @Test
    void aManifestWithoutALineForAValueOrWithTwoIsRefused() {
        assertThatThrownBy(() -> PlannedManifest.fill(MANIFEST.replace("MIGRATION_SHARD_ID_MAX", "OTHER"), 2, 1, 9, ""))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("has no line - name: MIGRATION_SHARD_ID_MAX");
        assertThatThrownBy(() -> PlannedManifest.fill(MANIFEST + "  completions: 3\n", 2, 1, 9, ""))
                .hasMessageContaining("has more than one line completions: <number>");
    }
}
