package io.github.s3migration;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/** The outcome records: what a batch's update says of each row, written and read back a line at a time. */
@Tag("fast")
class OutcomeRecordsTest {

    private static final MigrationSettings SETTINGS = ScenarioSupport.SETTINGS;

    @TempDir
    Path directory;

    @Test
    void aBatchUpdateRecordsEachRowAsCopiedAlreadyPresentOrChangedMeanwhile() {
        RowMigration copied = new RowMigration(1, "image/1.png", "avatar/1.png")
                .withSource(new RowMigration.SourceObject(1024, "\"etag-1\""));
        RowMigration present = new RowMigration(2, "image/2.png", "avatar/2.png").inPlace(true);
        RowMigration changed = new RowMigration(3, "image/3.png", "avatar/3.png");

        List<OutcomeRecords.Outcome> read = writeAndReadBack(records -> records.batchUpdated(
                List.of(copied, present, changed), Set.of(1L, 2L)));

        assertThat(read).extracting(OutcomeRecords.Outcome::id, OutcomeRecords.Outcome::outcome,
                OutcomeRecords.Outcome::updated).containsExactly(
                        tuple(1L, "copied", true),
                        tuple(2L, "already-present", true),
                        tuple(3L, "changed-meanwhile", false));
        assertThat(read.get(0)).satisfies(record -> {
            assertThat(record.size()).isEqualTo(1024);
            assertThat(record.etag()).isEqualTo("\"etag-1\"");
            assertThat(record.oldKey()).isEqualTo("image/1.png");
            assertThat(record.newKey()).isEqualTo("avatar/1.png");
            assertThat(record.mode()).isEqualTo("migrate");
            assertThat(record.table()).isEqualTo("avatars");
            assertThat(record.migratedRowOf(SETTINGS)).isTrue();
        });
        assertThat(read.get(2).reason()).contains("changed");
        assertThat(read.get(2).migratedRowOf(SETTINGS)).isFalse();
    }

    @Test
    void aLineCutOffByAMachineFailureIsSkippedAndTheWholeOnesAreRead() throws Exception {
        writeAndReadBack(records -> records.batchUpdated(List.of(new RowMigration(1, "image/1.png", "avatar/1.png")),
                Set.of(1L)));
        Path file = OutcomeRecords.files(directory).get(0);
        // Cut off inside a two-byte character, too.
        Files.write(file, Arrays.copyOf("{\"time\":\"2026-12-03T10:00:00Z\",\"id\":2,\"oldKey\":\"image/ü"
                .getBytes(StandardCharsets.UTF_8), 55), StandardOpenOption.APPEND);

        try (Stream<OutcomeRecords.Outcome> read = OutcomeRecords.read(file)) {
            assertThat(read).extracting(OutcomeRecords.Outcome::id).containsExactly(1L);
        }
    }

    @Test
    void onlyRunIdsAsTheJobMakesThemNameAFile() {
        assertThat(OutcomeRecords.isRunId("20261203-184911-3e30")).isTrue();
        assertThat(OutcomeRecords.isRunId("../20261203-184911-3e30")).isFalse();
        assertThat(OutcomeRecords.isRunId("20261203-184911")).isFalse();
    }

    private List<OutcomeRecords.Outcome> writeAndReadBack(Consumer<OutcomeRecords> write) {
        try (OutcomeRecords records = new OutcomeRecords(directory, "20261203-120000-abcd", SETTINGS)) {
            records.open(JobOptions.MIGRATE);
            write.accept(records);
        }
        try (Stream<OutcomeRecords.Outcome> read = OutcomeRecords.read(OutcomeRecords.files(directory).get(0))) {
            return read.toList();
        }
    }
}
