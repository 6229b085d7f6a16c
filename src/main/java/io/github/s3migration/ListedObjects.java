package io.github.s3migration;

import java.util.Collections;
import java.util.Iterator;
import java.util.NoSuchElementException;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The objects under a prefix in S3 order, a page of 1,000 at a time, each page retried while its failure may pass. */
final class ListedObjects implements Iterator<S3Object> {

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private Iterator<S3Object> page = Collections.emptyIterator();
    private String continuation;
    private boolean lastPage;

    ListedObjects(S3Client s3, String bucket, String prefix) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
    }

    @Override
    public boolean hasNext() {
        while (!page.hasNext() && !lastPage) {
            String token = continuation;
            ListObjectsV2Response response = TransientS3Failures.retried(() -> s3.listObjectsV2(b -> b.bucket(bucket)
                    .prefix(prefix).continuationToken(token)));
            page = response.contents().iterator();
            continuation = response.nextContinuationToken();
            lastPage = !Boolean.TRUE.equals(response.isTruncated());
        }
        return page.hasNext();
    }

    @Override
    public S3Object next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return page.next();
    }
}
