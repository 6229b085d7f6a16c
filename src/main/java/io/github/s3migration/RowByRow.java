package io.github.s3migration;

import java.util.List;

/** Splits a batch whose update failed for good into batches of one row each, to be tried again on their own. */
public final class RowByRow {

    public List<List<RowMigration>> singletons(List<RowMigration> batch) {
        return batch.stream().map(List::of).toList();
    }
}
