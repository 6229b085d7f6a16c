package io.github.s3migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

import javax.sql.DataSource;

import software.amazon.awssdk.services.s3.S3Client;

/** Objects per bucket and rows per kind, printed before and after a run in the same format so they compare. */
public record DataStatus(
        String sourceBucket, long sourceObjects,
        String targetBucket, long targetObjects,
        long legacyRows, long productionRows, long totalRows) {

    public static DataStatus measure(DataSource dataSource, S3Client s3, MigrationSettings settings) throws SQLException {
        String sql = "SELECT count(*) FILTER (WHERE starts_with(" + settings.keyColumn() + ", ?)),"
                + " count(*) FILTER (WHERE starts_with(" + settings.keyColumn() + ", ?)),"
                + " count(*) FROM " + settings.table();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement count = connection.prepareStatement(sql)) {
            count.setString(1, settings.sourcePrefix());
            count.setString(2, settings.targetPrefix());
            try (ResultSet rows = count.executeQuery()) {
                rows.next();
                return new DataStatus(
                        settings.sourceBucket(), countObjects(s3, settings.sourceBucket()),
                        settings.targetBucket(), countObjects(s3, settings.targetBucket()),
                        rows.getLong(1), rows.getLong(2), rows.getLong(3));
            }
        }
    }

    private static long countObjects(S3Client s3, String bucket) {
        return s3.listObjectsV2Paginator(b -> b.bucket(bucket)).stream().mapToLong(page -> page.keyCount()).sum();
    }

    public long unexpectedRows() {
        return totalRows - legacyRows - productionRows;
    }

    /** Source and target may be one bucket with two prefixes. */
    public long totalObjects() {
        return sourceBucket.equals(targetBucket) ? sourceObjects : sourceObjects + targetObjects;
    }

    public List<String> lines() {
        return List.of(
                "Current data status:",
                "* " + sourceObjects + " objects in bucket " + sourceBucket,
                "* " + targetObjects + " objects in bucket " + targetBucket,
                "* " + totalObjects() + " total objects found",
                "* " + legacyRows + " legacy entries in the database",
                "* " + productionRows + " production entries in the database",
                "* " + unexpectedRows() + " unexpected entries in the database",
                "* " + totalRows + " total entries in the database");
    }
}
