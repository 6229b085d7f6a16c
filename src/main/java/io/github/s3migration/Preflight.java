package io.github.s3migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Checks before any write that the job can do its work: the table and columns exist with the shape the routes' SQL
 * relies on, the source bucket can be read and the target bucket written. Each failure is a one-line
 * {@link InvalidConfigurationException}.
 */
final class Preflight {

    private static final Set<String> INTEGER_TYPES = Set.of("int2", "int4", "int8");
    private static final String STRING_CATEGORY = "S";

    private static final Logger LOG = LoggerFactory.getLogger(Preflight.class);

    private Preflight() {
    }

    /** @param checkWrite false for a dry run, which writes nothing, not even the write probe */
    static void check(DataSource dataSource, S3Client s3, MigrationSettings settings, ConnectionSettings connection,
            String runId, boolean checkWrite) {
        LOG.info("Checking table {} in the database {}", settings.table(), connection.databaseName());
        checkTable(dataSource, settings);
        LOG.info("Checking S3 read permissions for {} on {}", settings.sourceBucket(), connection.s3Name());
        s3Check("read", "migration.source.bucket", settings.sourceBucket(), () ->
                s3.listObjectsV2(b -> b.bucket(settings.sourceBucket()).prefix(settings.sourcePrefix()).maxKeys(1)));
        if (!checkWrite) {
            LOG.info("Not checking S3 write permissions for {}: a dry run writes nothing", settings.targetBucket());
            return;
        }
        LOG.info("Checking S3 write permissions for {} on {}", settings.targetBucket(), connection.s3Name());
        String probe = settings.targetPrefix() + ".migration-write-check-" + runId;
        s3Check("write", "migration.target.bucket", settings.targetBucket(), () -> {
            s3.putObject(b -> b.bucket(settings.targetBucket()).key(probe), RequestBody.fromString(runId));
            s3.deleteObject(b -> b.bucket(settings.targetBucket()).key(probe));
        });
    }

    private static void s3Check(String access, String key, String bucket, Runnable request) {
        try {
            // A SlowDown or a reset connection at start-up is no reason to give up.
            TransientS3Failures.retried(() -> {
                request.run();
                return null;
            });
        } catch (NoSuchBucketException e) {
            throw new InvalidConfigurationException("Bucket " + bucket + " (" + key + ") does not exist");
        } catch (S3Exception e) {
            String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            throw new InvalidConfigurationException("Cannot " + access + " bucket " + bucket + " (" + key + "): "
                    + (code == null ? "HTTP " + e.statusCode() : code) + " " + e.awsErrorDetails().errorMessage());
        } catch (SdkClientException e) {
            throw new InvalidConfigurationException("Cannot reach the S3 service to " + access + " bucket " + bucket
                    + ": " + e.getMessage());
        }
    }

    private static void checkTable(DataSource dataSource, MigrationSettings settings) {
        String sql = "SELECT a.attname, t.typname, t.typcategory FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
                + " WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped";
        Map<String, String[]> columns = new HashMap<>();
        try (Connection connection = dataSource.getConnection(); PreparedStatement query = connection.prepareStatement(sql)) {
            query.setString(1, settings.table());
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    columns.put(rows.getString(1), new String[] {rows.getString(2), rows.getString(3)});
                }
            }
        } catch (SQLException e) {
            throw new InvalidConfigurationException("Cannot read the columns of table " + settings.table() + ": "
                    + e.getMessage());
        }
        if (columns.isEmpty()) {
            throw new InvalidConfigurationException("Table " + settings.table() + " (migration.table) does not exist");
        }
        String[] id = column(columns, settings.idColumn(), "migration.id-column", settings);
        if (!INTEGER_TYPES.contains(id[0])) {
            throw new InvalidConfigurationException("Column " + settings.idColumn()
                    + " (migration.id-column) must be an integer key column, not " + id[0]);
        }
        String[] key = column(columns, settings.keyColumn(), "migration.key-column", settings);
        if (!STRING_CATEGORY.equals(key[1])) {
            throw new InvalidConfigurationException("Column " + settings.keyColumn()
                    + " (migration.key-column) must be a text column, not " + key[0]);
        }
    }

    /** Unquoted identifiers fold to lower case in PostgreSQL, as they do in the routes' SQL. */
    private static String[] column(Map<String, String[]> columns, String name, String key, MigrationSettings settings) {
        String[] type = columns.get(name.toLowerCase());
        if (type == null) {
            throw new InvalidConfigurationException("Column " + name + " (" + key + ") does not exist in table "
                    + settings.table());
        }
        return type;
    }
}
