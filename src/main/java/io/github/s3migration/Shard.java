package io.github.s3migration;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * One slice of a sharded migration (migration.shard.*): shard {@code index} of {@code count} covers its share of the
 * ids from {@code idMin} to {@code idMax} that a plan read once (see {@link PlanMode}), or, where the plan found the
 * legacy rows unevenly spread over the ids, the slice between two of its {@code bounds}. The slices are fixed by the
 * plan's values alone, so every process computes the same ones whenever it starts; the first is open below and the
 * last open above, so that together they hold every id, rows inserted after the plan included.
 *
 * @param bounds where slices 1 to count - 1 start, ascending; empty: equal shares of idMin to idMax
 */
record Shard(int index, int count, long idMin, long idMax, List<Long> bounds) {

    static final String COUNT = "migration.shard.count";
    static final String INDEX = "migration.shard.index";
    static final String ID_MIN = "migration.shard.id-min";
    static final String ID_MAX = "migration.shard.id-max";
    static final String BOUNDS = "migration.shard.bounds";
    /** Modes that work on one slice; the others cover the whole migration. */
    private static final List<String> SLICED_MODES = List.of(JobOptions.MIGRATE, JobOptions.REPLAY, JobOptions.STATUS);
    /** Modes that write across the whole migration: run inside a shard, they would do it once per shard. */
    private static final List<String> WHOLE_MIGRATION_WRITES = List.of(JobOptions.CLEANUP, JobOptions.ROLLBACK,
            JobOptions.PREPARE, JobOptions.CHECK);
    private static final int MAX_SHARDS = 100_000;

    Shard {
        bounds = List.copyOf(bounds);
        if (count < 1 || index < 0 || index >= count || idMin > idMax || !validBounds(bounds, count)) {
            throw new IllegalArgumentException("No shard " + index + " of " + count + " over ids " + idMin + " to "
                    + idMax + " with bounds " + bounds);
        }
    }

    private static boolean validBounds(List<Long> bounds, int count) {
        if (bounds.isEmpty()) {
            return true;
        }
        for (int i = 1; i < bounds.size(); i++) {
            if (bounds.get(i) <= bounds.get(i - 1)) {
                return false;
            }
        }
        return bounds.size() == count - 1 && bounds.get(0) > Long.MIN_VALUE;
    }

    /** The shard this run works on, if the mode works on one and the settings name one. */
    static Optional<Shard> from(Settings settings, String mode) {
        OptionalInt count = settings.optionalInteger(COUNT, 1, MAX_SHARDS);
        OptionalInt index = settings.optionalInteger(INDEX, 0, MAX_SHARDS - 1);
        if (index.isPresent() && WHOLE_MIGRATION_WRITES.contains(mode)) {
            throw new InvalidConfigurationException("migration.mode=" + mode + " runs once for the whole migration,"
                    + " not in a shard: unset " + INDEX + " (environment variable JOB_COMPLETION_INDEX)");
        }
        if (!SLICED_MODES.contains(mode)) {
            return Optional.empty();
        }
        if (count.isEmpty()) {
            if (index.isPresent()) {
                throw new InvalidConfigurationException(INDEX + " is set but " + COUNT + " is not: give every shard the"
                        + " plan's values (migration.mode=plan prints them)");
            }
            return Optional.empty();
        }
        if (index.isEmpty() && mode.equals(JobOptions.STATUS)) {
            // The plan's values without an index: an operator's shell between shards; the status of the whole table.
            return Optional.empty();
        }
        if (index.isEmpty()) {
            throw new InvalidConfigurationException(COUNT + " is set but " + INDEX + " is not (environment variable "
                    + Settings.environmentName(INDEX) + ", or JOB_COMPLETION_INDEX in a Kubernetes Indexed Job)");
        }
        if (index.getAsInt() >= count.getAsInt()) {
            throw new InvalidConfigurationException(INDEX + " must be below " + COUNT + " (" + count.getAsInt()
                    + "), not " + index.getAsInt());
        }
        long min = planned(settings, ID_MIN);
        long max = planned(settings, ID_MAX);
        if (min > max) {
            throw new InvalidConfigurationException(ID_MIN + " (" + min + ") is above " + ID_MAX + " (" + max + ")");
        }
        List<Long> bounds = bounds(settings);
        if (!validBounds(bounds, count.getAsInt())) {
            throw new InvalidConfigurationException(BOUNDS + " must be " + (count.getAsInt() - 1) + " ascending ids"
                    + " (one fewer than the shards), or empty, not '" + settings.text(BOUNDS) + "'");
        }
        return Optional.of(new Shard(index.getAsInt(), count.getAsInt(), min, max, bounds));
    }

    private static List<Long> bounds(Settings settings) {
        String text = settings.text(BOUNDS);
        try {
            return text.isEmpty() ? List.of() : Stream.of(text.split(",")).map(String::trim).map(Long::valueOf).toList();
        } catch (NumberFormatException e) {
            throw new InvalidConfigurationException(BOUNDS + " must be ids separated by commas, not '" + text + "'");
        }
    }

    private static long planned(Settings settings, String key) {
        OptionalLong value = settings.optionalLong(key);
        if (value.isEmpty()) {
            throw new InvalidConfigurationException("Missing required setting " + key + " (environment variable "
                    + Settings.environmentName(key) + "): every shard needs the plan's values (migration.mode=plan"
                    + " prints them)");
        }
        return value.getAsLong();
    }

    /** Every shard of a plan over these ids. */
    static List<Shard> plan(int count, long idMin, long idMax, List<Long> bounds) {
        return IntStream.range(0, count).mapToObj(index -> new Shard(index, count, idMin, idMax, bounds)).toList();
    }

    /** The smallest id of this slice. */
    long firstId() {
        return index == 0 ? Long.MIN_VALUE : start(index);
    }

    /** The greatest id of this slice. */
    long lastId() {
        return index == count - 1 ? Long.MAX_VALUE : start(index + 1) - 1;
    }

    boolean contains(long id) {
        return id >= firstId() && id <= lastId();
    }

    /** Where slice i starts: a bound of the plan's, or the ids split into shares whose sizes differ by one at most. */
    private long start(int slice) {
        if (!bounds.isEmpty()) {
            return bounds.get(slice - 1);
        }
        BigInteger span = BigInteger.valueOf(idMax).subtract(BigInteger.valueOf(idMin)).add(BigInteger.ONE);
        return BigInteger.valueOf(idMin).add(span.multiply(BigInteger.valueOf(slice))
                .divide(BigInteger.valueOf(count))).longValueExact();
    }

    /** "shard 2 of 4 (ids 250001 to 500000)"; the first and last say they are open. */
    String describe() {
        String ids = index == 0 && count == 1 ? "every id"
                : index == 0 ? "ids up to " + lastId()
                : index == count - 1 ? "ids from " + firstId() + " on"
                : "ids " + firstId() + " to " + lastId();
        return "shard " + index + " of " + count + " (" + ids + ")";
    }
}
