package io.github.s3migration;

import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The slices of a plan hold every id exactly once, and a shard's settings are all there or refused in one line. */
@Tag("fast")
class ShardTest {

    @Test
    void theSlicesOfAPlanFollowEachOtherWithoutGapOrOverlapAndHoldEveryId() {
        SplittableRandom random = new SplittableRandom(15);
        List<long[]> ranges = List.of(new long[] {1, 1}, new long[] {1, 2}, new long[] {1, 1_000_000},
                new long[] {-50, 50}, new long[] {Long.MIN_VALUE, Long.MAX_VALUE}, new long[] {0, Long.MAX_VALUE});
        for (long[] range : ranges) {
            for (int count : new int[] {1, 2, 3, 7, 64, 1_000}) {
                List<Shard> plan = Shard.plan(count, range[0], range[1], List.of());
                assertThat(plan.get(0).firstId()).isEqualTo(Long.MIN_VALUE);
                assertThat(plan.get(count - 1).lastId()).isEqualTo(Long.MAX_VALUE);
                for (int i = 1; i < count; i++) {
                    assertThat(plan.get(i).firstId()).isEqualTo(plan.get(i - 1).lastId() + 1);
                }
                for (int draw = 0; draw < 100; draw++) {
                    long id = random.nextLong();
                    assertThat(plan).filteredOn(shard -> shard.contains(id)).hasSize(1);
                }
            }
        }
    }

    @Test
    void theSlicesAreEqualSharesOfThePlannedIds() {
        List<Shard> plan = Shard.plan(4, 1, 1_000_000, List.of());

        assertThat(plan).extracting(Shard::describe).containsExactly(
                "shard 0 of 4 (ids up to 250000)",
                "shard 1 of 4 (ids 250001 to 500000)",
                "shard 2 of 4 (ids 500001 to 750000)",
                "shard 3 of 4 (ids from 750001 on)");
        assertThat(Shard.plan(1, 5, 9, List.of()).get(0).describe()).isEqualTo("shard 0 of 1 (every id)");
        // More shards than ids: the extra ones are empty, and the last still takes what comes after.
        assertThat(Shard.plan(3, 1, 2, List.of())).extracting(Shard::describe).containsExactly(
                "shard 0 of 3 (ids up to 0)", "shard 1 of 3 (ids 1 to 1)", "shard 2 of 3 (ids from 2 on)");
    }

    @Test
    void legacyRowsBunchedInAFewIdsGetBoundsThatShareThemEquallyAndEvenRowsKeepEqualSlices() {
        // Ids 1 to 1,000,000, of which the legacy rows are 1 to 900 and 999,901 to 1,000,000.
        long[] bunched = LongStream.concat(LongStream.rangeClosed(1, 900), LongStream.rangeClosed(999_901, 1_000_000))
                .toArray();
        LegacyIdSample legacy = new LegacyIdSample(bunched, 1);
        List<Shard> equal = Shard.plan(4, 1, 1_000_000, List.of());
        assertThat(legacy.legacyRowsPerShard(equal)).containsExactly(900, 0, 0, 100);
        assertThat(legacy.uneven(equal)).isTrue();

        List<Long> bounds = legacy.equalShareBounds(4);
        assertThat(bounds).containsExactly(251L, 501L, 751L);
        List<Shard> balanced = Shard.plan(4, 1, 1_000_000, bounds);
        assertThat(legacy.legacyRowsPerShard(balanced)).containsExactly(250, 250, 250, 250);
        assertThat(legacy.uneven(balanced)).isFalse();
        assertThat(balanced.get(3).describe()).isEqualTo("shard 3 of 4 (ids from 751 on)");

        LegacyIdSample even = new LegacyIdSample(LongStream.rangeClosed(1, 1_000).map(i -> i * 1_000).toArray(), 50);
        assertThat(even.uneven(equal)).isFalse();
        assertThat(even.legacyRowsPerShard(equal)).containsExactly(12_500, 12_500, 12_500, 12_500);
    }

    @Test
    void boundsMustBeOneFewerThanTheShardsAndAscending() {
        String[] plan = {"migration.shard.count", "3", "migration.shard.index", "1", "migration.shard.id-min", "1",
            "migration.shard.id-max", "1000"};
        assertThat(shard(JobOptions.MIGRATE, with(plan, "migration.shard.bounds", " 10, 20 ")))
                .hasValueSatisfying(shard -> assertThat(shard.describe()).isEqualTo("shard 1 of 3 (ids 10 to 19)"));
        assertThatThrownBy(() -> shard(JobOptions.MIGRATE, with(plan, "migration.shard.bounds", "20,10")))
                .hasMessage("migration.shard.bounds must be 2 ascending ids (one fewer than the shards), or empty,"
                        + " not '20,10'");
        assertThatThrownBy(() -> shard(JobOptions.MIGRATE, with(plan, "migration.shard.bounds", "10")))
                .hasMessageStartingWith("migration.shard.bounds must be 2 ascending ids");
        assertThatThrownBy(() -> shard(JobOptions.MIGRATE, with(plan, "migration.shard.bounds", "10,x")))
                .hasMessage("migration.shard.bounds must be ids separated by commas, not '10,x'");
    }

    private static String[] with(String[] keyValues, String key, String value) {
        return Stream.concat(Stream.of(keyValues), Stream.of(key, value)).toArray(String[]::new);
    }

    @Test
    void aShardNeedsItsIndexAndThePlansValuesOrIsRefusedNamingWhatIsMissing() {
        assertThat(shard(JobOptions.MIGRATE, "migration.shard.count", "4", "migration.shard.index", "2",
                "migration.shard.id-min", "1", "migration.shard.id-max", "1000"))
                .contains(new Shard(2, 4, 1, 1_000, List.of()));
        assertThat(shard(JobOptions.MIGRATE)).isEmpty();
        assertThatThrownBy(() -> shard(JobOptions.MIGRATE, "migration.shard.count", "4", "migration.shard.id-min",
                "1", "migration.shard.id-max", "1000"))
                .hasMessage("migration.shard.count is set but migration.shard.index is not (environment variable"
                        + " MIGRATION_SHARD_INDEX, or JOB_COMPLETION_INDEX in a Kubernetes Indexed Job)");
        assertThat(shard(JobOptions.STATUS, "migration.shard.count", "4", "migration.shard.id-min", "1",
                "migration.shard.id-max", "1000")).isEmpty();
        assertThatThrownBy(() -> shard(JobOptions.REPLAY, "migration.shard.index", "0"))
                .hasMessageStartingWith("migration.shard.index is set but migration.shard.count is not");
        assertThatThrownBy(() -> shard(JobOptions.MIGRATE, "migration.shard.count", "4", "migration.shard.index", "4",
                "migration.shard.id-min", "1", "migration.shard.id-max", "1000"))
                .hasMessage("migration.shard.index must be below migration.shard.count (4), not 4");
        assertThatThrownBy(() -> shard(JobOptions.STATUS, "migration.shard.count", "4", "migration.shard.index", "1",
                "migration.shard.id-min", "1"))
                .hasMessageStartingWith("Missing required setting migration.shard.id-max (environment variable"
                        + " MIGRATION_SHARD_ID_MAX)");
        assertThatThrownBy(() -> shard(JobOptions.MIGRATE, "migration.shard.count", "4", "migration.shard.index", "1",
                "migration.shard.id-min", "9", "migration.shard.id-max", "1"))
                .hasMessage("migration.shard.id-min (9) is above migration.shard.id-max (1)");
    }

    @Test
    void modesOfTheWholeMigrationIgnoreThePlanButAWritingOneRefusesToRunAsAShard() {
        String[] podOfThePlan = {"migration.shard.count", "4", "migration.shard.index", "1",
            "migration.shard.id-min", "1", "migration.shard.id-max", "1000"};
        assertThat(shard(JobOptions.VERIFY, podOfThePlan)).isEmpty();
        assertThat(shard(JobOptions.DEAD_LETTERS, podOfThePlan)).isEmpty();
        for (String mode : List.of(JobOptions.CLEANUP, JobOptions.ROLLBACK, JobOptions.PREPARE, JobOptions.CHECK)) {
            assertThatThrownBy(() -> shard(mode, podOfThePlan)).hasMessage("migration.mode=" + mode
                    + " runs once for the whole migration, not in a shard: unset migration.shard.index (environment"
                    + " variable JOB_COMPLETION_INDEX)");
        }
        // The step that runs verify beside the Indexed Job may carry the plan's values without an index.
        assertThat(shard(JobOptions.CLEANUP, "migration.shard.count", "4")).isEmpty();
    }

    private static Optional<Shard> shard(String mode, String... keyValues) {
        return Shard.from(new Settings(TestProperties.of(keyValues)), mode);
    }
}
