package io.github.s3migration;

import java.util.Map;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Processor;

/**
 * Plans the move of the polled row in the body for the migrate-object route, as exchange properties: the plan
 * ({@link RowMigration#PROPERTY}, with its legacy object's size and ETag where listed), its {@code sourceKey} and
 * {@code targetKey}, and {@code targetExists} as the batch's listing answered it (absent when unknown). A processor rather than simple expressions on the plan
 * ({@code ${exchangeProperty.migrationRow.targetKey}}): simple parses such an OGNL path again at every evaluation,
 * and that was a large share of the job's CPU per row.
 */
public final class RowPlanner implements Processor {

    /** The batch's existing target keys, from {@link PageListing}; absent when each row must ask S3 itself. */
    public static final String EXISTING_TARGETS = "existingTargets";
    /** The batch's legacy objects by key, from {@link PageListing}; absent when not known. */
    public static final String SOURCE_OBJECTS = "sourceObjects";

    /** The row's keys, for the routes' log lines and S3 requests. */
    public static final String SOURCE_KEY = "sourceKey";
    public static final String TARGET_KEY = "targetKey";

    /** True when the target object is already there, false when it is not; absent when not known yet. */
    public static final String TARGET_EXISTS = "targetExists";

    private final KeyMapping keys;

    public RowPlanner(KeyMapping keys) {
        this.keys = keys;
    }

    @Override
    public void process(Exchange exchange) throws InvalidPayloadException {
        RowMigration row = keys.plan(exchange.getMessage().getMandatoryBody(Map.class));
        Map<?, ?> sourceObjects = exchange.getProperty(SOURCE_OBJECTS, Map.class);
        if (sourceObjects != null) {
            row = row.withSource((RowMigration.SourceObject) sourceObjects.get(row.sourceKey()));
        }
        exchange.setProperty(RowMigration.PROPERTY, row);
        exchange.setProperty(SOURCE_KEY, row.sourceKey());
        exchange.setProperty(TARGET_KEY, row.targetKey());
        Set<?> existingTargets = exchange.getProperty(EXISTING_TARGETS, Set.class);
        // Setting null removes the property.
        exchange.setProperty(TARGET_EXISTS, existingTargets == null ? null : existingTargets.contains(row.targetKey()));
    }
}
