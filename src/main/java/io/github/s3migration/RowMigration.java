package io.github.s3migration;

/** One legacy row on its way: where its object is and where it goes. */
public record RowMigration(long id, String sourceKey, String targetKey) {

    /** Exchange property holding the row a copy exchange works on. */
    public static final String PROPERTY = "migrationRow";
}
