package io.github.s3migration;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Where a legacy key goes: its source prefix swapped for the target prefix, as long as S3 can take the result. */
public record KeyMapping(String sourcePrefix, String targetPrefix) {

    /** Keys longer than this are refused by S3. */
    public static final int MAX_KEY_BYTES = 1024;

    /** Plans one polled legacy row (columns {@code id} and {@code source_key}); refuses keys that cannot move. */
    public RowMigration plan(Map<String, Object> row) {
        long id = ((Number) row.get("id")).longValue();
        String sourceKey = (String) row.get("source_key");
        String rest = sourceKey.substring(sourcePrefix.length());
        if (rest.isEmpty()) {
            throw new InvalidRowException("key '" + sourceKey + "' is the legacy prefix alone: there is no object name to move");
        }
        String targetKey = targetPrefix + rest;
        if (targetKey.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw new InvalidRowException("target key would be longer than " + MAX_KEY_BYTES + " bytes, the S3 limit");
        }
        return new RowMigration(id, sourceKey, targetKey);
    }
}
