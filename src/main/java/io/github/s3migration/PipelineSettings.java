package io.github.s3migration;

import org.apache.camel.spi.PropertiesComponent;

/**
 * How rows flow through the routes, validated once at start-up. The routes read the keys given as placeholders, and
 * the computed values from this bean ({@code {{bean:pipelineSettings.listingThreads}}}).
 *
 * @param rowsInFlight           rows handed out and not yet updated or dead-lettered, at most: bounds memory
 * @param listingThreads         pages whose target key range is being listed at once (the existence check)
 * @param updateThreads          batch updates running at once
 * @param batchMaxWaitMillis     the longest a copied row waits for its batch to fill before the batch is written part full
 * @param progressIntervalMillis between two progress lines
 * @param pollDelayMillis        between two polls once every legacy row has been handed out
 */
public record PipelineSettings(int rowsInFlight, int listingThreads, int updateThreads, int batchMaxWaitMillis,
        int progressIntervalMillis, int pollDelayMillis) {

    static PipelineSettings from(PropertiesComponent properties, MigrationSettings migration) {
        Settings settings = new Settings(properties);
        int batchSize = migration.batchSize();
        int parallelism = migration.parallelism();
        return new PipelineSettings(
                // Rows for every copy thread and as many again queued, pages being listed, a batch being filled and
                // batches being written: the copy threads stay busy while slow copies hold some of them.
                settings.optionalInteger("migration.rows-in-flight", batchSize, 10_000_000)
                        .orElse(4 * (parallelism + batchSize)),
                // A listing answers for a page in about the time of two or three copies: enough of them at once to
                // hand rows out as fast as the copy threads take them.
                settings.optionalInteger("migration.listing-threads", 1, 256)
                        .orElse(Math.min(64, (3 * parallelism + batchSize - 1) / batchSize + 1)),
                settings.integer("migration.update-threads", 1, 64),
                settings.integer("migration.batch-max-wait-ms", 10, 600_000),
                settings.integer("migration.progress-interval-ms", 10, 86_400_000),
                settings.integer("migration.poll-delay-ms", 1, 60_000));
    }
}
