package io.github.s3migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.Permission;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Checks before any write that the job can do its work: the table and columns exist with the shape the routes' SQL
 * relies on, the source bucket can be read and the target bucket written. Each failure is a one-line
 * {@link InvalidConfigurationException}.
 */
final class Preflight {

    private static final Set<String> INTEGER_TYPES = Set.of("int2", "int4", "int8");
    private static final String STRING_CATEGORY = "S";

    private static final Logger LOG = LoggerFactory.getLogger(Preflight.class);
    /** Legacy objects whose ACL is read for the warning. */
    private static final int ACL_SAMPLE = 3;
    private static final String ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";

    private Preflight() {
    }

    /**
     * Checks the permissions the run will use, each named when it is missing: list and read in the source bucket;
     * write in the target bucket and, for the existence check, list or read there.
     *
     * @param checkWrite false for a dry run, which writes nothing, not even the write probe
     * @param access     told what the target credentials may do
     */
    static void check(DataSource dataSource, S3Client s3, MigrationSettings settings, ConnectionSettings connection,
            String runId, boolean checkWrite, TargetAccess access) {
        LOG.info("Checking table {} in the database {}", settings.table(), connection.databaseName());
        checkTable(dataSource, settings, checkWrite);
        LOG.info("Checking S3 read permissions for {} on {}", settings.sourceBucket(), connection.s3Name());
        String source = settings.sourceBucket();
        List<S3Object> firstLegacy = s3Check("read", "migration.source.bucket", source, "s3:ListBucket", () ->
                s3.listObjectsV2(b -> b.bucket(source).prefix(settings.sourcePrefix()).maxKeys(1)).contents());
        // CopyObject reads the legacy object: s3:GetObject, which a listing does not need.
        firstLegacy.forEach(legacy -> s3Check("read objects of", "migration.source.bucket", source, "s3:GetObject",
                () -> s3.headObject(b -> b.bucket(source).key(legacy.key()))));
        if (!checkWrite) {
            LOG.info("Not checking S3 write permissions for {}: a dry run writes nothing", settings.targetBucket());
            return;
        }
        LOG.info("Checking S3 write permissions for {} on {}", settings.targetBucket(), connection.s3Name());
        String target = settings.targetBucket();
        String probe = settings.targetPrefix() + ".migration-write-check-" + runId;
        s3Check("write", "migration.target.bucket", target, "s3:PutObject", () ->
                s3.putObject(b -> b.bucket(target).key(probe), RequestBody.fromString(runId)));
        try {
            if (settings.skipExisting()) {
                checkExistenceLookups(s3, settings, probe, access);
            }
        } finally {
            deleteProbe(s3, target, probe);
        }
    }

    /**
     * The existence check lists each page's target key range, or asks a HEAD per row. Without s3:ListBucket, S3
     * answers a HEAD of a missing key with 403: read as "no object" once a HEAD of the probe just written has passed.
     */
    private static void checkExistenceLookups(S3Client s3, MigrationSettings settings, String probe,
            TargetAccess access) {
        String target = settings.targetBucket();
        if (!denied("s3:ListBucket", () -> s3.listObjectsV2(b -> b.bucket(target).prefix(settings.targetPrefix())
                .maxKeys(1)))) {
            return;
        }
        if (denied("s3:GetObject", () -> s3.headObject(b -> b.bucket(target).key(probe)))) {
            throw new InvalidConfigurationException("Cannot tell which copies are in bucket " + target + " already:"
                    + " s3:ListBucket and s3:GetObject are both denied there; grant s3:ListBucket on the prefix "
                    + settings.targetPrefix() + ", or set migration.skip-existing=false to copy every object without"
                    + " looking");
        }
        access.listingDenied();
        LOG.warn("WARNING: s3:ListBucket is denied in bucket {}: each row's copy is looked for with a HEAD, one request"
                + " a row instead of one listing a page, and a 403 answer is read as no object (as S3 answers a missing"
                + " key without s3:ListBucket)", target);
    }

    /** Whether S3 answers the request with 403; any other failure is one line naming the permission. */
    private static boolean denied(String permission, Supplier<?> request) {
        try {
            TransientS3Failures.retried(request);
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 403) {
                return true;
            }
            throw new InvalidConfigurationException("Cannot check " + permission + ": " + MigrationApplication.describe(e));
        }
    }

    /** The job itself never deletes: a probe it cannot delete is left, and said so, rather than fail the run. */
    private static void deleteProbe(S3Client s3, String bucket, String probe) {
        if (denied("s3:DeleteObject", () -> s3.deleteObject(b -> b.bucket(bucket).key(probe)))) {
            LOG.warn("WARNING: the write check left {}/{} behind: s3:DeleteObject is denied there (the migration"
                    + " itself never deletes); remove it by hand", bucket, probe);
        }
    }

    /**
     * CopyObject does not copy an object's ACL: when the first few legacy objects are readable by anyone and the copies
     * would not be (no public migration.target.acl), says so before the confirmation, since the site would serve 403s
     * for every migrated row.
     */
    static void warnIfPublicObjectsTurnPrivate(S3Client s3, MigrationSettings settings, TargetObjectSettings target) {
        if (target.publicRead()) {
            return;
        }
        try {
            for (S3Object legacy : s3.listObjectsV2(b -> b.bucket(settings.sourceBucket())
                    .prefix(settings.sourcePrefix()).maxKeys(ACL_SAMPLE)).contents()) {
                boolean everyoneReads = s3.getObjectAcl(b -> b.bucket(settings.sourceBucket()).key(legacy.key()))
                        .grants().stream().anyMatch(grant -> ALL_USERS.equals(grant.grantee().uri())
                                && (grant.permission() == Permission.READ
                                        || grant.permission() == Permission.FULL_CONTROL));
                if (everyoneReads) {
                    LOG.warn("WARNING: legacy objects such as {}/{} are readable by anyone, and their copies will not"
                            + " be (CopyObject does not copy the ACL): set migration.target.acl=public-read to keep them"
                            + " public", settings.sourceBucket(), legacy.key());
                    return;
                }
            }
        } catch (SdkException e) {
            LOG.info("Could not read the ACL of the legacy objects ({}); the copies get the target bucket's default"
                    + " access unless migration.target.acl is set", MigrationApplication.describe(e));
        }
    }

    private static <T> T s3Check(String access, String key, String bucket, String permission, Supplier<T> request) {
        try {
            // A SlowDown or a reset connection at start-up is no reason to give up.
            return TransientS3Failures.retried(request::get);
        } catch (NoSuchBucketException e) {
            throw new InvalidConfigurationException("Bucket " + bucket + " (" + key + ") does not exist");
        } catch (S3Exception e) {
            // A HEAD answer has no body: no error code or message, only its status.
            String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            String message = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
            throw new InvalidConfigurationException("Cannot " + access + " bucket " + bucket + " (" + key + "): "
                    + (code == null ? "HTTP " + e.statusCode() : code) + (message == null ? "" : " " + message)
                    + (e.statusCode() == 403 ? " (" + permission + " is needed)" : ""));
        } catch (SdkClientException e) {
            throw new InvalidConfigurationException("Cannot reach the S3 service to " + access + " bucket " + bucket
                    + ": " + e.getMessage());
        }
    }

    private static void checkTable(DataSource dataSource, MigrationSettings settings, boolean checkWrite) {
        String sql = "SELECT a.attname, t.typname, t.typcategory, a.attnotnull, a.atttypmod,"
                + " EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisunique"
                + " AND i.indnkeyatts = 1 AND i.indkey[0] = a.attnum AND i.indpred IS NULL)"
                + " FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
                + " WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped";
        Map<String, Column> columns = new HashMap<>();
        try (Connection connection = dataSource.getConnection(); PreparedStatement query = connection.prepareStatement(sql)) {
            query.setString(1, settings.sqlTable());
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    columns.put(rows.getString(1), new Column(rows.getString(2), rows.getString(3), rows.getBoolean(4),
                            rows.getInt(5), rows.getBoolean(6)));
                }
            }
        } catch (SQLException e) {
            throw new InvalidConfigurationException("Cannot read the columns of table " + settings.table() + ": "
                    + e.getMessage());
        }
        if (columns.isEmpty()) {
            throw new InvalidConfigurationException("Table " + settings.table() + " (migration.table) does not exist");
        }
        Column id = column(columns, settings.idColumn(), "migration.id-column", settings);
        if (!INTEGER_TYPES.contains(id.type())) {
            throw new InvalidConfigurationException("Column " + settings.idColumn()
                    + " (migration.id-column) must be an integer key column, not " + id.type());
        }
        // Rows are handed out in id order, each once: a null id is never handed out, a repeated one is skipped.
        if (!id.notNull() || !id.unique()) {
            throw new InvalidConfigurationException("Column " + settings.idColumn() + " (migration.id-column) must be"
                    + " NOT NULL with a unique index (a primary key): rows would be skipped otherwise");
        }
        Column key = column(columns, settings.keyColumn(), "migration.key-column", settings);
        if (!STRING_CATEGORY.equals(key.category())) {
            throw new InvalidConfigurationException("Column " + settings.keyColumn()
                    + " (migration.key-column) must be a text column, not " + key.type());
        }
        if (checkWrite) {
            checkUpdatePrivilege(dataSource, settings);
            warnAboutKeysTooLong(dataSource, settings, key);
        }
    }

    private static void checkUpdatePrivilege(DataSource dataSource, MigrationSettings settings) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement query = connection.prepareStatement("SELECT has_column_privilege(?, ?, 'UPDATE')")) {
            query.setString(1, settings.sqlTable());
            query.setString(2, settings.keyColumn().toLowerCase(Locale.ROOT));
            try (ResultSet result = query.executeQuery()) {
                if (result.next() && !result.getBoolean(1)) {
                    throw new InvalidConfigurationException("The database user may not UPDATE column "
                            + settings.keyColumn() + " of table " + settings.table() + " (GRANT UPDATE on it first)");
                }
            }
        } catch (SQLException e) {
            throw new InvalidConfigurationException("Cannot check the UPDATE privilege on table " + settings.table()
                    + ": " + e.getMessage());
        }
    }

    /**
     * A key column of limited length (varchar(n)) may be too short for some rows' new keys. Those rows are dead-lettered
     * when their update fails, the others migrate: say how many before anything is written.
     */
    private static void warnAboutKeysTooLong(DataSource dataSource, MigrationSettings settings, Column key) {
        int maxLength = key.maxLength();
        if (maxLength < 0) {
            return;
        }
        int growth = settings.targetPrefix().length() - settings.sourcePrefix().length();
        String sql = "SELECT count(*) FROM " + settings.sqlTable() + " WHERE starts_with(" + settings.sqlKeyColumn()
                + ", ?) AND char_length(" + settings.sqlKeyColumn() + ") + ? > ?";
        try (Connection connection = dataSource.getConnection(); PreparedStatement query = connection.prepareStatement(sql)) {
            query.setString(1, settings.sourcePrefix());
            query.setInt(2, growth);
            query.setInt(3, maxLength);
            try (ResultSet result = query.executeQuery()) {
                result.next();
                long tooLong = result.getLong(1);
                if (tooLong > 0) {
                    LOG.warn("WARNING: {} legacy rows have a key that will not fit column {} ({}) once under {}: their"
                            + " objects are copied, their update fails and they are dead-lettered; the other rows"
                            + " migrate", tooLong, settings.keyColumn(), key.type() + "(" + maxLength + ")",
                            settings.targetPrefix());
                }
            }
        } catch (SQLException e) {
            throw new InvalidConfigurationException("Cannot check the length of the keys in table " + settings.table()
                    + ": " + e.getMessage());
        }
    }

    /** Unquoted identifiers fold to lower case in PostgreSQL, as they do in the routes' SQL. */
    private static Column column(Map<String, Column> columns, String name, String key, MigrationSettings settings) {
        Column column = columns.get(name.toLowerCase(Locale.ROOT));
        if (column == null) {
            throw new InvalidConfigurationException("Column " + name + " (" + key + ") does not exist in table "
                    + settings.table());
        }
        return column;
    }

    /** What the pre-flight needs to know of a column. */
    private record Column(String type, String category, boolean notNull, int typeModifier, boolean unique) {

        /** The n of varchar(n) or char(n); -1 when the length is not limited. */
        int maxLength() {
            return (type.equals("varchar") || type.equals("bpchar")) && typeModifier > 4 ? typeModifier - 4 : -1;
        }
    }
}
