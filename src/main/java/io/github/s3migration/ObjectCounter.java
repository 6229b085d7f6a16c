package io.github.s3migration;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Counts the objects under a prefix with listings in parallel: the key range is cut into slices at given keys (sampled
 * from the table's rows), and each slice is listed on a thread of its own from its first key. Counting stops past a
 * limit, so the status of a bucket of a hundred million objects costs seconds, not hours.
 */
final class ObjectCounter {

    private static final int PAGE_KEYS = 1_000;

    private final S3Client s3;
    private final ExecutorService threads;
    private final long maxListed;

    /** @param maxListed stop counting past this many objects under a prefix (at least 1) */
    ObjectCounter(S3Client s3, ExecutorService threads, long maxListed) {
        this.s3 = s3;
        this.threads = threads;
        this.maxListed = maxListed;
    }

    /**
     * Objects under a prefix: all of them, more than {@code count} when counting stopped, or not counted (and why).
     */
    record ObjectCount(long count, boolean complete, String notCountedBecause) {

        static ObjectCount notCounted(String reason) {
            return new ObjectCount(0, false, reason);
        }

        boolean counted() {
            return notCountedBecause == null;
        }

        ObjectCount plus(ObjectCount other) {
            return counted() && other.counted() ? new ObjectCount(count + other.count, complete && other.complete, null)
                    : counted() ? other : this;
        }

        String describe() {
            return complete ? Long.toString(count) : "more than " + count;
        }
    }

    /**
     * Starts counting on the listing threads; {@link PendingCount#await} gives the answer.
     *
     * @param splitKeys     keys under the prefix in S3 order: each ends a slice (the last slice runs to the end)
     * @param expectedObjects about how many objects are under the prefix (the rows under it)
     */
    PendingCount count(String bucket, String prefix, List<String> splitKeys, long expectedObjects) {
        // A slice's first page asks for a little more than the slice should hold: read to its end, that page already
        // shows the first key past it, where a full page would be read for that one key.
        int firstPage = (int) Math.min(PAGE_KEYS, expectedObjects / (splitKeys.size() + 1) * 5 / 4 + 10);
        AtomicLong total = new AtomicLong();
        List<Future<?>> slices = new ArrayList<>();
        String lower = null;
        for (int i = 0; i <= splitKeys.size(); i++) {
            String first = lower;
            String last = i < splitKeys.size() ? splitKeys.get(i) : null;
            slices.add(threads.submit(() -> countSlice(bucket, prefix, first, last, firstPage, total)));
            lower = last;
        }
        return new PendingCount(slices, total);
    }

    /** A count under way. */
    final class PendingCount {

        private final List<Future<?>> slices;
        private final AtomicLong total;

        private PendingCount(List<Future<?>> slices, AtomicLong total) {
            this.slices = slices;
            this.total = total;
        }

        ObjectCount await() throws InterruptedException {
            try {
                for (Future<?> slice : slices) {
                    slice.get();
                }
            } catch (ExecutionException e) {
                slices.forEach(slice -> slice.cancel(true));
                // Credentials may read and write objects without listing them: the rows still count.
                if (e.getCause() instanceof S3Exception refused && refused.statusCode() == 403) {
                    return ObjectCount.notCounted("s3:ListBucket is denied");
                }
                throw e.getCause() instanceof RuntimeException failure ? failure
                        : new IllegalStateException(e.getCause());
            }
            long count = total.get();
            return count > maxListed ? new ObjectCount(maxListed, false, null) : new ObjectCount(count, true, null);
        }
    }

    /** Counts the keys after {@code after} (exclusive, null: from the start) up to {@code last} (null: to the end). */
    private void countSlice(String bucket, String prefix, String after, String last, int firstPage,
            AtomicLong total) {
        String continuation = null;
        do {
            String token = continuation;
            ListObjectsV2Response page = TransientS3Failures.retried(() -> s3.listObjectsV2(b -> b.bucket(bucket)
                    .prefix(prefix).startAfter(token == null ? after : null).continuationToken(token)
                    .maxKeys(token == null ? firstPage : PAGE_KEYS)));
            long inSlice = 0;
            boolean pastSlice = false;
            for (S3Object object : page.contents()) {
                if (last != null && S3KeyOrder.COMPARATOR.compare(object.key(), last) > 0) {
                    pastSlice = true;
                    break;
                }
                inSlice++;
            }
            if (total.addAndGet(inSlice) > maxListed || pastSlice) {
                return;
            }
            continuation = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (continuation != null);
    }
}
