package io.github.s3migration;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The existence check for a whole batch at once: one listing of the target keys between the batch's first and last
 * target key, instead of a HEAD per row. Keys of consecutive rows usually sit close together, so a page or two
 * answers for the batch; when they are spread out (the listing would run long) or the listing fails, the answer is
 * "unknown" and each row asks S3 with a HEAD of its own, through the usual retries.
 */
public final class TargetListing {

    private static final Logger LOG = LoggerFactory.getLogger(TargetListing.class);
    private static final int FIRST_PAGE_KEYS = 32;

    private final S3Client s3;
    private final MigrationSettings settings;
    private final KeyMapping mapping;

    public TargetListing(S3Client s3, MigrationSettings settings) {
        this.s3 = s3;
        this.settings = settings;
        this.mapping = settings.keyMapping();
    }

    /**
     * The target keys of these polled rows that already exist, or null when that is not known: rows whose key cannot
     * move are left out (they fail on their own), and a listing that fails or would exceed two keys per row plus a
     * page gives way to one HEAD per row.
     */
    public Set<String> existingTargets(List<Map<String, Object>> rows) {
        List<String> keys = new ArrayList<>(rows.size());
        for (Map<String, Object> row : rows) {
            try {
                keys.add(mapping.plan(row).targetKey());
            } catch (InvalidRowException | ClassCastException | NullPointerException e) {
                // This row goes to a dead letter with its reason when it is migrated on its own.
            }
        }
        if (keys.isEmpty()) {
            return null;
        }
        keys.sort(S3KeyOrder.COMPARATOR);
        String first = keys.get(0);
        String last = keys.get(keys.size() - 1);
        String prefix = commonPrefix(first, last);
        // Exclusive, and every key between the first key less its last character and the first key starts with it:
        // the listing begins at the batch's first key or just before.
        String startAfter = first.substring(0, first.offsetByCodePoints(first.length(), -1));
        Set<String> wanted = new HashSet<>(keys);
        Set<String> existing = new HashSet<>();
        int budget = 2 * keys.size() + 1_000;
        String continuation = null;
        try {
            do {
                String token = continuation;
                // Pages are parsed whole. A first migration finds the batch's range empty and the first page past
                // its last key (filled by the batches copied alongside), so a short first page answers it; when the
                // range is populated (a re-run), full pages follow.
                int pageSize = Math.min(token == null ? FIRST_PAGE_KEYS : 1_000, budget);
                ListObjectsV2Response page = s3.listObjectsV2(b -> b.bucket(settings.targetBucket())
                        .prefix(prefix)
                        .startAfter(token == null ? startAfter : null)
                        .continuationToken(token)
                        .maxKeys(pageSize));
                for (S3Object object : page.contents()) {
                    if (S3KeyOrder.COMPARATOR.compare(object.key(), last) > 0) {
                        return existing;
                    }
                    if (wanted.contains(object.key())) {
                        existing.add(object.key());
                    }
                }
                budget -= page.contents().size();
                continuation = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
            } while (continuation != null && budget > 0);
        } catch (SdkException e) {
            LOG.debug("Listing the batch's target keys failed, checking each one with a HEAD: {}", e.getMessage());
            return null;
        }
        return continuation == null ? existing : null;
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
