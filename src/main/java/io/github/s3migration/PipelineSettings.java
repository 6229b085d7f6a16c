package io.github.s3migration;

import org.apache.camel.spi.PropertiesComponent;

/**
 * How rows flow through the routes, validated once at start-up; the routes read the same keys as placeholders, and
 * the computed defaults are set back as properties so that they read the effective values.
 *
 * @param rowsInFlight      rows handed out and not yet updated or dead-lettered, at most: bounds memory
 * @param listingThreads    pages whose target key range is being listed at once (the existence check)
 * @param updateThreads     batch updates running at once
 * @param batchMaxWaitMillis the longest a copied row waits for its batch to fill before the batch is written part full
 */
public record PipelineSettings(int rowsInFlight, int listingThreads, int updateThreads, int batchMaxWaitMillis) {

    static PipelineSettings from(PropertiesComponent properties, MigrationSettings migration) {
        Settings settings = new Settings(properties);
        int batchSize = migration.batchSize();
        int parallelism = migration.parallelism();
        PipelineSettings answer = new PipelineSettings(
                // Rows for every copy thread and as many again queued, pages being listed, a batch being filled and
                // batches being written: the copy threads stay busy while slow copies hold some of them.
                settings.integer("migration.rows-in-flight", 4 * (parallelism + batchSize), batchSize, 10_000_000),
                // A listing answers for a page in about the time of two or three copies: enough of them at once to
                // hand rows out as fast as the copy threads take them.
                settings.integer("migration.listing-threads",
                        Math.min(64, (3 * parallelism + batchSize - 1) / batchSize + 1), 1, 256),
                settings.integer("migration.update-threads", 2, 1, 64),
                settings.integer("migration.batch-max-wait-ms", 1_000, 10, 600_000));
        properties.addOverrideProperty("migration.rows-in-flight", Integer.toString(answer.rowsInFlight));
        properties.addOverrideProperty("migration.listing-threads", Integer.toString(answer.listingThreads));
        return answer;
    }
}
