package io.github.s3migration;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

import org.apache.camel.Exchange;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The copy of an object above migration.multipart-copy-threshold-bytes, in parts (UploadPartCopy), since CopyObject
 * stops at 5 GiB. An upload in parts does not carry the source's Content-Type, metadata and tags by itself: they are
 * read from the source and set on the upload. The parts go out side by side; the row goes on to its update only once
 * the upload is complete, and any failure aborts the upload, so that no incomplete upload (stored and billed, but in
 * no listing) is left behind. The size comes from the page's listing of the legacy objects: no request per row to
 * decide.
 */
public final class MultipartCopy {

    /** S3's largest number of parts in one upload. */
    private static final int MAX_PARTS = 10_000;
    /** Parts no larger than this, for objects not so large that they need more. */
    private static final long PREFERRED_PART_BYTES = 512L << 20;

    private final S3Client s3;
    private final MigrationSettings settings;
    private final TargetObjectSettings targetObjects;
    private final ExecutorService parts;

    /** @param parts the threads that copy the parts of every upload */
    public MultipartCopy(S3Client s3, MigrationSettings settings, TargetObjectSettings targetObjects,
            ExecutorService parts) {
        this.s3 = s3;
        this.settings = settings;
        this.targetObjects = targetObjects;
        this.parts = parts;
    }

    /** Whether the row's legacy object, as listed, is too large for one CopyObject here. */
    public boolean needed(Exchange exchange) {
        RowMigration.SourceObject source = exchange.getProperty(RowMigration.PROPERTY, RowMigration.class).source();
        return source != null && source.size() > targetObjects.multipartCopyThreshold();
    }

    /** Copies the row's object in parts, or fails having aborted the upload. */
    public void copy(Exchange exchange) throws Exception {
        RowMigration row = exchange.getProperty(RowMigration.PROPERTY, RowMigration.class);
        String source = settings.sourceBucket();
        String target = settings.targetBucket();
        HeadObjectResponse head = s3.headObject(b -> b.bucket(source).key(row.sourceKey()));
        CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder().bucket(target)
                .key(row.targetKey()).contentType(head.contentType()).cacheControl(head.cacheControl())
                .contentDisposition(head.contentDisposition()).contentEncoding(head.contentEncoding())
                .contentLanguage(head.contentLanguage()).expires(head.expires()).metadata(head.metadata());
        tagging(row.sourceKey()).ifPresent(create::tagging);
        targetObjects.applyTo(create);
        String uploadId = s3.createMultipartUpload(create.build()).uploadId();
        try {
            List<CompletedPart> completed = copyParts(row, head.contentLength(), uploadId);
            s3.completeMultipartUpload(b -> b.bucket(target).key(row.targetKey()).uploadId(uploadId)
                    .multipartUpload(upload -> upload.parts(completed)));
        } catch (Exception e) {
            try {
                s3.abortMultipartUpload(b -> b.bucket(target).key(row.targetKey()).uploadId(uploadId));
            } catch (SdkException abortFailed) {
                e.addSuppressed(abortFailed);
            }
            throw e;
        }
    }

    private List<CompletedPart> copyParts(RowMigration row, long size, String uploadId) throws Exception {
        long partBytes = partBytes(size, targetObjects.multipartCopyThreshold());
        List<Future<CompletedPart>> copies = new ArrayList<>();
        for (long first = 0; first < size; first += partBytes) {
            int number = copies.size() + 1;
            String range = "bytes=" + first + "-" + (Math.min(size, first + partBytes) - 1);
            copies.add(parts.submit(() -> CompletedPart.builder().partNumber(number)
                    .eTag(s3.uploadPartCopy(b -> b.sourceBucket(settings.sourceBucket()).sourceKey(row.sourceKey())
                            .destinationBucket(settings.targetBucket()).destinationKey(row.targetKey())
                            .uploadId(uploadId).partNumber(number).copySourceRange(range)).copyPartResult().eTag())
                    .build()));
        }
        List<CompletedPart> completed = new ArrayList<>(copies.size());
        try {
            for (Future<CompletedPart> copy : copies) {
                completed.add(copy.get());
            }
        } catch (ExecutionException e) {
            copies.forEach(copy -> copy.cancel(true));
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        return completed;
    }

    /** At most S3's 10,000 parts, each at least its 5 MiB, and no larger than needed below 512 MiB. */
    static long partBytes(long size, long threshold) {
        long fewestParts = (size + MAX_PARTS - 1) / MAX_PARTS;
        return Math.max(TargetObjectSettings.MIN_PART_BYTES,
                Math.max(fewestParts, Math.min(threshold, PREFERRED_PART_BYTES)));
    }

    /** The source's tags, URL-encoded as an upload takes them; empty where there are none or the server keeps none. */
    private Optional<String> tagging(String key) {
        try {
            Map<String, String> tags = new LinkedHashMap<>();
            s3.getObjectTagging(b -> b.bucket(settings.sourceBucket()).key(key)).tagSet()
                    .forEach(tag -> tags.put(tag.key(), tag.value()));
            return tags.isEmpty() ? Optional.empty() : Optional.of(urlEncoded(tags));
        } catch (S3Exception e) {
            // 501: an S3-compatible server without tagging (S3Proxy) has no tags to carry.
            if (e.statusCode() == 501) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private static String urlEncoded(Map<String, String> tags) {
        StringBuilder query = new StringBuilder();
        tags.forEach((name, value) -> query.append(query.isEmpty() ? "" : "&")
                .append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
        return query.toString();
    }
}
