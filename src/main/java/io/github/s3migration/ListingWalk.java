package io.github.s3migration;

import java.util.function.Consumer;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A prefix's listing walked forward to keys asked for in S3 order, beside rows or another listing sorted the same
 * way; each object passed over without being asked for goes to a consumer.
 */
final class ListingWalk {

    private final ListedObjects listing;
    private final Consumer<S3Object> unmatched;
    private S3Object current;
    private boolean currentMatched;

    ListingWalk(S3Client s3, String bucket, String prefix) {
        this(s3, bucket, prefix, object -> { });
    }

    ListingWalk(S3Client s3, String bucket, String prefix, Consumer<S3Object> unmatched) {
        this.listing = new ListedObjects(s3, bucket, prefix);
        this.unmatched = unmatched;
    }

    /** The object at this key, or null. */
    S3Object find(String key) {
        while ((current == null || S3KeyOrder.COMPARATOR.compare(current.key(), key) < 0) && listing.hasNext()) {
            advance();
        }
        if (current != null && current.key().equals(key)) {
            currentMatched = true;
            return current;
        }
        return null;
    }

    /** Walks to the end of the listing, so that every object no key was asked for is passed on. */
    void finish() {
        while (listing.hasNext()) {
            advance();
        }
        advance();
    }

    private void advance() {
        if (current != null && !currentMatched) {
            unmatched.accept(current);
        }
        current = listing.hasNext() ? listing.next() : null;
        currentMatched = false;
    }
}
