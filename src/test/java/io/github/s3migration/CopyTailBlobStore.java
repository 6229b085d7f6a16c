package io.github.s3migration;

import java.util.Random;

import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.options.CopyOptions;
import org.jclouds.blobstore.util.ForwardingBlobStore;

/**
 * Holds a random share of copies (S3 CopyObject) for a while before making them, inside the S3 server process, so
 * that no proxy spends CPU on the shared machine. The seed is fixed: each server holds the same sequence of requests.
 */
final class CopyTailBlobStore extends ForwardingBlobStore {

    private static final long SEED = 20_261_203L;

    private final CopyTail tail;
    // Random is thread-safe; the copies of all the server's threads draw from the one sequence.
    private final Random random = new Random(SEED);

    CopyTailBlobStore(BlobStore store, CopyTail tail) {
        super(store);
        this.tail = tail;
    }

    @Override
    public String copyBlob(String fromContainer, String fromName, String toContainer, String toName,
            CopyOptions options) {
        if (random.nextDouble() < tail.share()) {
            try {
                Thread.sleep(tail.millis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while holding a slow copy", e);
            }
        }
        return delegate().copyBlob(fromContainer, fromName, toContainer, toName, options);
    }
}
