package io.github.s3migration;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

import org.apache.camel.spi.PropertiesComponent;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.StorageClass;

/**
 * How each copy is stored at the target: its access (a canned ACL), storage class and encryption; each empty: the
 * bucket's default. CopyObject does not copy the ACL, so without one a public legacy object becomes a private copy.
 * Content-Type, metadata and tags are copied as they are. And whether a different object already at a row's target
 * key is copied over ({@link TargetCheck}).
 */
public record TargetObjectSettings(Optional<ObjectCannedACL> acl, Optional<StorageClass> storageClass,
        Optional<ServerSideEncryption> sse, Optional<String> sseKmsKeyId, boolean overwriteConflicts,
        long multipartCopyThreshold) {

    /** S3's smallest part (but the last), and its largest CopyObject. */
    static final long MIN_PART_BYTES = 5L << 20;
    static final long MAX_COPY_OBJECT_BYTES = 5L << 30;

    static TargetObjectSettings from(PropertiesComponent properties) {
        Settings settings = new Settings(properties);
        Optional<ServerSideEncryption> sse = known(settings, "migration.target.sse", ServerSideEncryption::fromValue,
                ServerSideEncryption.knownValues().stream().map(ServerSideEncryption::toString));
        Optional<String> kmsKey = settings.optional("migration.target.sse-kms-key-id");
        if (kmsKey.isPresent() && sse.filter(ServerSideEncryption.AWS_KMS::equals).isEmpty()) {
            throw new InvalidConfigurationException("migration.target.sse-kms-key-id needs migration.target.sse=aws:kms");
        }
        return new TargetObjectSettings(
                known(settings, "migration.target.acl", ObjectCannedACL::fromValue,
                        ObjectCannedACL.knownValues().stream().map(ObjectCannedACL::toString)),
                known(settings, "migration.target.storage-class", StorageClass::fromValue,
                        StorageClass.knownValues().stream().map(StorageClass::toString)),
                sse, kmsKey, settings.choice("migration.target.on-conflict", List.of("fail", "overwrite"))
                        .equals("overwrite"), multipartCopyThreshold(settings));
    }

    private static long multipartCopyThreshold(Settings settings) {
        String key = "migration.multipart-copy-threshold-bytes";
        long threshold = settings.optionalLong(key).orElseThrow(() -> new InvalidConfigurationException(
                "Missing required setting " + key));
        if (threshold < MIN_PART_BYTES || threshold > MAX_COPY_OBJECT_BYTES) {
            throw new InvalidConfigurationException(key + " must be between " + MIN_PART_BYTES + " (S3's smallest"
                    + " part) and " + MAX_COPY_OBJECT_BYTES + " (its largest CopyObject), not " + threshold);
        }
        return threshold;
    }

    private static <T> Optional<T> known(Settings settings, String key, Function<String, T> parse,
            Stream<String> values) {
        Optional<String> value = settings.optional(key);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        List<String> allowed = values.sorted().toList();
        if (!allowed.contains(value.get())) {
            throw new InvalidConfigurationException(key + " must be empty or one of " + String.join(", ", allowed)
                    + ", not '" + value.get() + "'");
        }
        return Optional.of(parse.apply(value.get()));
    }

    /** Whether copies are readable by anyone, as a public-read legacy object is. */
    boolean publicRead() {
        return acl.filter(value -> value == ObjectCannedACL.PUBLIC_READ || value == ObjectCannedACL.PUBLIC_READ_WRITE)
                .isPresent();
    }

    /** Sets these on a copy. */
    void applyTo(CopyObjectRequest.Builder copy) {
        acl.ifPresent(copy::acl);
        storageClass.ifPresent(copy::storageClass);
        sse.ifPresent(copy::serverSideEncryption);
        sseKmsKeyId.ifPresent(copy::ssekmsKeyId);
    }

    /** Sets these on a copy in parts. */
    void applyTo(CreateMultipartUploadRequest.Builder upload) {
        acl.ifPresent(upload::acl);
        storageClass.ifPresent(upload::storageClass);
        sse.ifPresent(upload::serverSideEncryption);
        sseKmsKeyId.ifPresent(upload::ssekmsKeyId);
    }
}
