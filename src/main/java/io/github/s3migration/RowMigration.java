package io.github.s3migration;

import java.util.Map;

/** One legacy row on its way: where its object is and where it goes. */
public record RowMigration(long id, String sourceKey, String targetKey) {

    /** Exchange property holding the row a copy exchange works on. */
    public static final String PROPERTY = "migrationRow";

    /** The named parameters of the batch update. */
    public Map<String, Object> updateParameters() {
        return Map.of("id", id, "sourceKey", sourceKey, "targetKey", targetKey);
    }
}
