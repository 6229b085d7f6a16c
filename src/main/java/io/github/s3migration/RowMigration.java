package io.github.s3migration;

/**
 * One legacy row on its way: where its object is and where it goes, and what its outcome record will say of the
 * object.
 *
 * @param alreadyPresent the object was at the target key already, so the row was not copied
 * @param source         the legacy object's size and ETag, as the page's listing found it; null when not known
 */
public record RowMigration(long id, String sourceKey, String targetKey, boolean alreadyPresent, SourceObject source) {

    /** Exchange property holding the row a copy exchange works on. */
    public static final String PROPERTY = "migrationRow";

    /** The legacy object as listed. */
    public record SourceObject(long size, String etag) {
    }

    public RowMigration(long id, String sourceKey, String targetKey) {
        this(id, sourceKey, targetKey, false, null);
    }

    RowMigration withSource(SourceObject listed) {
        return new RowMigration(id, sourceKey, targetKey, alreadyPresent, listed);
    }

    /** The row once its object is in place: copied, or found there already. */
    RowMigration inPlace(boolean wasAlreadyPresent) {
        return new RowMigration(id, sourceKey, targetKey, wasAlreadyPresent, source);
    }
}
