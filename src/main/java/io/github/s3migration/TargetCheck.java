package io.github.s3migration;

import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * Whether an object already at a row's target key is the row's own copy, so that the copy is skipped: it is when it
 * has the legacy object's size and, for objects not uploaded in parts, its ETag (a digest of the content), or when
 * the legacy object was not listed (gone since a copy that crashed before its update). Any other object is not
 * pointed at: the row fails at once with both sizes and ETags (a dead letter), or, with
 * {@code migration.target.on-conflict=overwrite}, is copied over it.
 */
public final class TargetCheck {

    private final boolean overwrite;

    public TargetCheck(boolean overwrite) {
        this.overwrite = overwrite;
    }

    /** @return true: the object in place is the row's copy; false: copy over it */
    boolean inPlace(RowMigration row, long size, String etag) {
        RowMigration.SourceObject source = row.source();
        if (source == null || !differ(size, etag, source.size(), source.etag())) {
            return true;
        }
        if (overwrite) {
            return false;
        }
        throw new TargetConflictException("a different object is at the target key " + row.targetKey() + ": size "
                + size + " (legacy " + source.size() + "), ETag " + etag + " (legacy " + source.etag() + "); it is"
                + " neither pointed at nor overwritten (migration.target.on-conflict=overwrite replaces it)");
    }

    /** After a HEAD found an object at the row's target key (the body): sets whether it is the row's copy. */
    public void afterHead(Exchange exchange) throws InvalidPayloadException {
        HeadObjectResponse target = exchange.getMessage().getMandatoryBody(HeadObjectResponse.class);
        RowMigration row = exchange.getProperty(RowMigration.PROPERTY, RowMigration.class);
        exchange.setProperty(RowPlanner.TARGET_EXISTS, inPlace(row, target.contentLength(), target.eTag()));
    }

    /** Whether a copy is not its source: sizes differ, or single-part ETags (content digests) do. */
    static boolean differ(long copySize, String copyEtag, long sourceSize, String sourceEtag) {
        return copySize != sourceSize || (copyEtag != null && sourceEtag != null && !copyEtag.contains("-")
                && !sourceEtag.contains("-") && !copyEtag.equals(sourceEtag));
    }

    /** A different object at a row's target key. */
    static final class TargetConflictException extends InvalidRowException {

        TargetConflictException(String message) {
            super(message);
        }
    }
}
