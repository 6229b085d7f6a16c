package io.github.s3migration;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Sets the guarded batch update's parameters from the rows in the body: three arrays (ids, keys read, new keys) that
 * the statement unnests, so a batch is one statement and one round trip, and its RETURNING clause names exactly the
 * rows it updated; then reads those ids back once, for the outcome records and the run's counts.
 */
public final class UpdateParameters implements Processor {

    @Override
    public void process(Exchange exchange) {
        @SuppressWarnings("unchecked")
        List<RowMigration> rows = exchange.getMessage().getBody(List.class);
        long[] ids = new long[rows.size()];
        String[] sourceKeys = new String[rows.size()];
        String[] targetKeys = new String[rows.size()];
        for (int i = 0; i < ids.length; i++) {
            RowMigration row = rows.get(i);
            ids[i] = row.id();
            sourceKeys[i] = row.sourceKey();
            targetKeys[i] = row.targetKey();
        }
        exchange.getMessage().setHeader("ids", ids);
        exchange.getMessage().setHeader("sourceKeys", sourceKeys);
        exchange.getMessage().setHeader("targetKeys", targetKeys);
    }

    /** The ids the update returned (its RETURNING rows). */
    public Set<Long> returnedIds(List<Map<String, Object>> returned) {
        Set<Long> ids = new HashSet<>();
        returned.forEach(row -> ids.add(((Number) row.get("id")).longValue()));
        return ids;
    }
}
