package io.github.s3migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Checks every production row's object in the target bucket: that it exists, and that it is the same as its legacy
 * source where that still exists (size and ETag; size alone when either was uploaded in parts, whose ETag is not a
 * digest of the content); and every legacy row's object in the source bucket. Lists the objects under the target
 * prefix that no row points at. Rows (sorted by key in byte order) and the bucket listings (returned in that order,
 * page by page) are walked side by side, so memory stays flat and there is one request per thousand objects, not one
 * per row.
 */
final class Verification {

    private static final Logger LOG = LoggerFactory.getLogger(Verification.class);
    private static final int SHOWN_WITHOUT_VERBOSE = 10;
    private static final int FETCH_SIZE = 1_000;

    /** What verify found: rows pointing at a missing object, at one that differs from its legacy source. */
    record Problems(long missing, long different) {

        long total() {
            return missing + different;
        }
    }

    private final DataSource dataSource;
    private final S3Client s3;
    private final MigrationSettings settings;
    private final boolean verbose;

    Verification(DataSource dataSource, S3Client s3, MigrationSettings settings, boolean verbose) {
        this.dataSource = dataSource;
        this.s3 = s3;
        this.settings = settings;
        this.verbose = verbose;
    }

    Problems run() throws SQLException {
        Problems production = check("production", settings.targetBucket(), settings.targetPrefix(),
                new ListingWalk(s3, settings.sourceBucket(), settings.sourcePrefix()));
        Problems legacy = check("legacy", settings.sourceBucket(), settings.sourcePrefix(), null);
        return new Problems(production.missing() + legacy.missing(), production.different());
    }

    /**
     * @param sources the legacy objects, to compare each row's object with, and then to list the objects no row points
     *     at; null: neither
     */
    private Problems check(String kind, String bucket, String prefix, ListingWalk sources) throws SQLException {
        String sql = "SELECT " + settings.sqlIdColumn() + ", " + settings.sqlKeyColumn() + " FROM " + settings.sqlTable()
                + " WHERE starts_with(" + settings.sqlKeyColumn() + ", ?) ORDER BY " + settings.sqlKeyColumn() + " COLLATE \"C\"";
        long rows = 0;
        long missing = 0;
        long different = 0;
        long[] orphans = new long[1];
        ListingWalk objects = new ListingWalk(s3, bucket, prefix, orphan -> {
            if (sources != null && (++orphans[0] <= SHOWN_WITHOUT_VERBOSE || verbose)) {
                LOG.info("* orphan: {}/{} (no row points at it)", bucket, orphan.key());
            }
        });
        try (Connection connection = dataSource.getConnection()) {
            // A cursor: PostgreSQL streams the rows only outside auto-commit.
            connection.setAutoCommit(false);
            try (PreparedStatement query = connection.prepareStatement(sql)) {
                query.setFetchSize(FETCH_SIZE);
                query.setString(1, prefix);
                try (ResultSet result = query.executeQuery()) {
                    while (result.next()) {
                        rows++;
                        String key = result.getString(2);
                        S3Object object = objects.find(key);
                        if (object == null) {
                            missing++;
                            if (verbose || missing <= SHOWN_WITHOUT_VERBOSE) {
                                LOG.info("* missing: row {} points at {}/{}", result.getLong(1), bucket, key);
                            }
                            continue;
                        }
                        String sourceKey = settings.sourcePrefix() + key.substring(prefix.length());
                        S3Object source = sources == null ? null : sources.find(sourceKey);
                        if (source != null && differ(object, source)) {
                            different++;
                            if (verbose || different <= SHOWN_WITHOUT_VERBOSE) {
                                LOG.info("* different: row {} points at {}/{}, which differs from its legacy source"
                                        + " {}/{}: size {} (legacy {}), ETag {} (legacy {})", result.getLong(1), bucket,
                                        key, settings.sourceBucket(), sourceKey, object.size(), source.size(),
                                        object.eTag(), source.eTag());
                            }
                        }
                    }
                }
            } finally {
                connection.rollback();
            }
        }
        if (sources != null) {
            objects.finish();
        }
        LOG.info("{} {} rows checked against bucket {}: {} point at a missing object", rows, kind, bucket, missing);
        if (sources != null) {
            LOG.info("{} {} rows point at an object that differs from its legacy source (size and ETag compared where"
                    + " the legacy object still exists; size alone for an object uploaded in parts)", different, kind);
            LOG.info("{} objects under {}/{} are not pointed at by any row", orphans[0], bucket, prefix);
        }
        return new Problems(missing, different);
    }

    /** Whether a copy is not its source: sizes differ, or single-part ETags (content digests) do. */
    static boolean differ(S3Object copy, S3Object source) {
        return TargetCheck.differ(copy.size(), copy.eTag(), source.size(), source.eTag());
    }
}
