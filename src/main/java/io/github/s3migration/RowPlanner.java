package io.github.s3migration;

import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Processor;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Plans the move of the polled row in the body for the migrate-object route, as exchange properties: the plan
 * ({@link RowMigration#PROPERTY}, with its legacy object's size and ETag where listed), its {@code sourceKey} and
 * {@code targetKey}, and {@code targetExists} as the batch's listing answered it (absent when unknown). A processor rather than simple expressions on the plan
 * ({@code ${exchangeProperty.migrationRow.targetKey}}): simple parses such an OGNL path again at every evaluation,
 * and that was a large share of the job's CPU per row.
 */
public final class RowPlanner implements Processor {

    /** The batch's existing target objects by key, from {@link PageListing}; absent when each row must ask S3 itself. */
    public static final String EXISTING_TARGETS = "existingTargets";
    /** The batch's legacy objects by key, from {@link PageListing}; absent when not known. */
    public static final String SOURCE_OBJECTS = "sourceObjects";

    /** The row's keys, for the routes' log lines and S3 requests. */
    public static final String SOURCE_KEY = "sourceKey";
    public static final String TARGET_KEY = "targetKey";

    /**
     * True when the row's copy is already at its target key, false when a copy is needed; absent when not known yet.
     * A different object there fails the row ({@link TargetCheck}).
     */
    public static final String TARGET_EXISTS = "targetExists";

    private final KeyMapping keys;
    private final TargetCheck targetCheck;

    public RowPlanner(KeyMapping keys, TargetCheck targetCheck) {
        this.keys = keys;
        this.targetCheck = targetCheck;
    }

    @Override
    public void process(Exchange exchange) throws InvalidPayloadException {
        RowMigration row = keys.plan(exchange.getMessage().getMandatoryBody(Map.class));
        Map<?, ?> holders = exchange.getProperty(TargetKeyHolders.PROPERTY, Map.class);
        Long holder = holders == null ? null : (Long) holders.get(row.targetKey());
        if (holder != null && holder != row.id()) {
            throw new TargetKeyHolders.TargetKeyTakenException(row, holder);
        }
        Map<?, ?> sourceObjects = exchange.getProperty(SOURCE_OBJECTS, Map.class);
        if (sourceObjects != null) {
            row = row.withSource((RowMigration.SourceObject) sourceObjects.get(row.sourceKey()));
        }
        exchange.setProperty(RowMigration.PROPERTY, row);
        exchange.setProperty(SOURCE_KEY, row.sourceKey());
        exchange.setProperty(TARGET_KEY, row.targetKey());
        Map<?, ?> existingTargets = exchange.getProperty(EXISTING_TARGETS, Map.class);
        Boolean inPlace = null;
        if (existingTargets != null) {
            S3Object target = (S3Object) existingTargets.get(row.targetKey());
            inPlace = target != null && targetCheck.inPlace(row, target.size(), target.eTag());
        }
        // Setting null removes the property.
        exchange.setProperty(TARGET_EXISTS, inPlace);
    }
}
