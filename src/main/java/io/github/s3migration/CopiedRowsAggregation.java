package io.github.s3migration;

import java.util.ArrayList;
import java.util.List;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultExchange;

/**
 * Gathers the rows whose object is now in the target bucket into a batch for the update, in the order their copies
 * complete; a row that went to dead letters never gets here. The rows it gathers are counted here too, as copied or
 * already present, which saves the route a bean call per row.
 */
public final class CopiedRowsAggregation implements AggregationStrategy {

    private final MigrationRun run;

    public CopiedRowsAggregation(MigrationRun run) {
        this.run = run;
    }

    @Override
    public Exchange aggregate(Exchange collected, Exchange row) {
        if (collected == null) {
            // A fresh exchange for the batch: a row's exchange carries that row's properties and headers.
            collected = new DefaultExchange(row.getContext());
            collected.getMessage().setBody(new ArrayList<RowMigration>());
        }
        @SuppressWarnings("unchecked")
        List<RowMigration> rows = collected.getMessage().getBody(List.class);
        boolean alreadyPresent = row.getProperty(RowPlanner.TARGET_EXISTS, false, Boolean.class);
        rows.add(row.getProperty(RowMigration.PROPERTY, RowMigration.class).inPlace(alreadyPresent));
        if (alreadyPresent) {
            run.skippedExisting();
        } else {
            run.copied();
        }
        return collected;
    }
}
