package io.github.s3migration;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * What a page of polled rows needs to know from S3, a listing of each bucket's key range at a time instead of a
 * request per row: which of its target objects already exist (the existence check), and the size and ETag of its
 * legacy objects (for the outcome records). Keys of consecutive rows usually sit close together, so a page or two
 * answers for the batch; when they are spread out (the listing would run long) or the listing fails, the answer is
 * "unknown": each row then asks S3 with a HEAD of its own for its target, and its record goes without size and ETag.
 */
public final class PageListing {

    private static final Logger LOG = LoggerFactory.getLogger(PageListing.class);
    /**
     * A first migration finds a batch's target range empty and the first page past its last key (filled by the
     * batches copied alongside), so a short first page answers it; when the range is populated (a re-run), full pages
     * follow.
     */
    private static final int FIRST_TARGET_PAGE_KEYS = 32;

    private final S3Client s3;
    private final MigrationSettings settings;
    private final TargetAccess targetAccess;
    private final KeyMapping mapping;
    private final AtomicBoolean failureSaid = new AtomicBoolean();

    public PageListing(S3Client s3, MigrationSettings settings, TargetAccess targetAccess) {
        this.s3 = s3;
        this.settings = settings;
        this.targetAccess = targetAccess;
        this.mapping = settings.keyMapping();
    }

    /**
     * The target objects of these polled rows that already exist, by key, or null when that is not known: rows whose
     * key cannot move are left out (they fail on their own).
     */
    public Map<String, S3Object> existingTargets(List<Map<String, Object>> rows) {
        if (!targetAccess.canList()) {
            return null;
        }
        return listed(settings.targetBucket(), targetKeys(rows), FIRST_TARGET_PAGE_KEYS);
    }

    /** The legacy objects of these polled rows, by key, as listed; null when not known. */
    public Map<String, RowMigration.SourceObject> sourceObjects(List<Map<String, Object>> rows) {
        // The keys as polled: every one is under the legacy prefix, whether or not it can move.
        List<String> keys = rows.stream().map(row -> (String) row.get("source_key")).toList();
        Map<String, S3Object> listed = listed(settings.sourceBucket(), keys, keys.size() + 1);
        if (listed == null) {
            return null;
        }
        Map<String, RowMigration.SourceObject> objects = new HashMap<>();
        listed.forEach((key, object) -> objects.put(key, new RowMigration.SourceObject(object.size(), object.eTag())));
        return objects;
    }

    private List<String> targetKeys(List<Map<String, Object>> rows) {
        List<String> keys = new ArrayList<>(rows.size());
        for (Map<String, Object> row : rows) {
            try {
                keys.add(mapping.plan(row).targetKey());
            } catch (InvalidRowException | ClassCastException | NullPointerException e) {
                // This row goes to a dead letter with its reason when it is migrated on its own.
            }
        }
        return keys;
    }

    /**
     * Those of the keys that exist in the bucket, by key, or null when that is not known: the listing failed, or
     * would exceed two keys per wanted key plus a page.
     *
     * @param failureSaid set once a failed listing has been said as a warning: a listing that keeps failing would say
     *     it for every page
     */
    static Map<String, S3Object> listed(S3Client s3, String bucket, List<String> unsortedKeys, int firstPageKeys,
            AtomicBoolean failureSaid) {
        if (unsortedKeys.isEmpty()) {
            return null;
        }
        List<String> keys = new ArrayList<>(unsortedKeys);
        keys.sort(S3KeyOrder.COMPARATOR);
        String first = keys.get(0);
        String last = keys.get(keys.size() - 1);
        String prefix = commonPrefix(first, last);
        // Exclusive, and every key between the first key less its last character and the first key starts with it:
        // the listing begins at the batch's first key or just before.
        String startAfter = first.substring(0, first.offsetByCodePoints(first.length(), -1));
        Set<String> wanted = new HashSet<>(keys);
        Map<String, S3Object> existing = new HashMap<>();
        int budget = 2 * keys.size() + 1_000;
        String continuation = null;
        try {
            do {
                String token = continuation;
                // Pages are parsed whole: no longer than the range needs.
                int pageSize = Math.min(token == null ? firstPageKeys : 1_000, budget);
                ListObjectsV2Response page = s3.listObjectsV2(b -> b.bucket(bucket)
                        .prefix(prefix)
                        .startAfter(token == null ? startAfter : null)
                        .continuationToken(token)
                        .maxKeys(pageSize));
                for (S3Object object : page.contents()) {
                    if (S3KeyOrder.COMPARATOR.compare(object.key(), last) > 0) {
                        return existing;
                    }
                    if (wanted.contains(object.key())) {
                        existing.put(object.key(), object);
                    }
                }
                budget -= page.contents().size();
                continuation = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
            } while (continuation != null && budget > 0);
        } catch (SdkException e) {
            if (failureSaid.compareAndSet(false, true)) {
                LOG.warn("WARNING: listing a page's keys in bucket {} failed ({}); the rows of such a page are looked"
                        + " up one by one (a HEAD each) and their records go without the legacy size and ETag",
                        bucket, MigrationApplication.describe(e));
            } else {
                LOG.debug("Listing a page's keys in {} failed; not known: {}", bucket, e.getMessage());
            }
            return null;
        }
        return continuation == null ? existing : null;
    }

    private Map<String, S3Object> listed(String bucket, List<String> keys, int firstPageKeys) {
        return listed(s3, bucket, keys, firstPageKeys, failureSaid);
    }

    private static String commonPrefix(String first, String last) {
        int length = 0;
        int limit = Math.min(first.length(), last.length());
        while (length < limit && first.charAt(length) == last.charAt(length)) {
            length++;
        }
        // Never split a surrogate pair.
        if (length > 0 && Character.isHighSurrogate(first.charAt(length - 1))) {
            length--;
        }
        return first.substring(0, length);
    }
}
