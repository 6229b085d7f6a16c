package io.github.s3migration;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Iterator;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Checks that every production row's object exists in the target bucket and every legacy row's object in the source
 * bucket. Rows (sorted by key in byte order) and the bucket listing (returned in that order, page by page) are walked
 * side by side, so memory stays flat and there is one request per thousand objects, not one per row.
 */
final class Verification {

    private static final Logger LOG = LoggerFactory.getLogger(Verification.class);
    private static final int SHOWN_WITHOUT_VERBOSE = 10;
    private static final int FETCH_SIZE = 1_000;

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

    /** Returns the number of rows whose object is missing. */
    long run() throws SQLException {
        long missing = check("production", settings.targetBucket(), settings.targetPrefix());
        missing += check("legacy", settings.sourceBucket(), settings.sourcePrefix());
        return missing;
    }

    private long check(String kind, String bucket, String prefix) throws SQLException {
        String sql = "SELECT " + settings.sqlIdColumn() + ", " + settings.sqlKeyColumn() + " FROM " + settings.sqlTable()
                + " WHERE starts_with(" + settings.sqlKeyColumn() + ", ?) ORDER BY " + settings.sqlKeyColumn() + " COLLATE \"C\"";
        long rows = 0;
        long missing = 0;
        Iterator<S3Object> objects = new ListedObjects(s3, bucket, prefix);
        byte[] object = null;
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
                        byte[] wanted = key.getBytes(StandardCharsets.UTF_8);
                        while ((object == null || Arrays.compareUnsigned(object, wanted) < 0) && objects.hasNext()) {
                            object = objects.next().key().getBytes(StandardCharsets.UTF_8);
                        }
                        if (object == null || !Arrays.equals(object, wanted)) {
                            missing++;
                            if (verbose || missing <= SHOWN_WITHOUT_VERBOSE) {
                                LOG.info("* missing: row {} points at {}/{}", result.getLong(1), bucket, key);
                            }
                        }
                    }
                }
            } finally {
                connection.rollback();
            }
        }
        LOG.info("{} {} rows checked against bucket {}: {} point at a missing object", rows, kind, bucket, missing);
        return missing;
    }
}
