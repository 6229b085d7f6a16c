package io.github.s3migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

import javax.sql.DataSource;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** Objects per bucket and rows per kind, printed before and after a run in the same format so they compare. */
public record DataStatus(
        MigrationSettings settings, ObjectCount source, ObjectCount target,
        long legacyRows, long productionRows, long totalRows) {

    /** Objects in a bucket, and how many of them are under the prefix the job works with. */
    public record ObjectCount(long total, long underPrefix) {
    }

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
                return new DataStatus(settings,
                        countObjects(s3, settings.sourceBucket(), settings.sourcePrefix()),
                        countObjects(s3, settings.targetBucket(), settings.targetPrefix()),
                        rows.getLong(1), rows.getLong(2), rows.getLong(3));
            }
        }
    }

    /** One listing of the whole bucket, in pages: nothing is kept but the two counts. */
    private static ObjectCount countObjects(S3Client s3, String bucket, String prefix) {
        long total = 0;
        long underPrefix = 0;
        for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(bucket)).contents()) {
            total++;
            underPrefix += object.key().startsWith(prefix) ? 1 : 0;
        }
        return new ObjectCount(total, underPrefix);
    }

    public long unexpectedRows() {
        return totalRows - legacyRows - productionRows;
    }

    /** Source and target may be one bucket with two prefixes. */
    public long totalObjects() {
        return settings.sourceBucket().equals(settings.targetBucket()) ? source.total : source.total + target.total;
    }

    public List<String> lines() {
        return List.of(
                "Current data status:",
                "* " + source.total + " objects in bucket " + settings.sourceBucket()
                        + " (" + source.underPrefix + " under " + settings.sourcePrefix() + ")",
                "* " + target.total + " objects in bucket " + settings.targetBucket()
                        + " (" + target.underPrefix + " under " + settings.targetPrefix() + ")",
                "* " + totalObjects() + " total objects found",
                "* " + legacyRows + " legacy entries in the database",
                "* " + productionRows + " production entries in the database",
                "* " + unexpectedRows() + " unexpected entries in the database",
                "* " + totalRows + " total entries in the database");
    }
}
