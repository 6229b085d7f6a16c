package io.github.s3migration;

import java.util.ArrayList;
import java.util.List;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultExchange;

/**
 * Gathers the rows of a batch whose object is now in the target bucket, the only rows the batch update may touch.
 * Rows that went to dead letters never set {@link #COPIED_ROW}, so they are left out. The rows it gathers are counted
 * here too, as copied or already present, which saves the route a bean call per row.
 */
public final class CopiedRowsAggregation implements AggregationStrategy {

    /** Exchange property a row's route sets once its object exists at the target. */
    public static final String COPIED_ROW = "copiedRow";

    private final MigrationRun run;

    public CopiedRowsAggregation(MigrationRun run) {
        this.run = run;
    }

    @Override
    public Exchange aggregate(Exchange collected, Exchange row) {
        if (collected == null) {
            // A fresh exchange: copying a dead-lettered row's exchange would carry its "handled" state to the batch.
            collected = new DefaultExchange(row.getContext());
            collected.getMessage().setBody(new ArrayList<RowMigration>());
        }
        RowMigration copied = row.getProperty(COPIED_ROW, RowMigration.class);
        if (copied != null) {
            @SuppressWarnings("unchecked")
            List<RowMigration> rows = collected.getMessage().getBody(List.class);
            rows.add(copied);
            if (row.getProperty(RowPlanner.TARGET_EXISTS, false, Boolean.class)) {
                run.skippedExisting();
            } else {
                run.copied();
            }
        }
        return collected;
    }
}
