package io.github.s3migration;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.component.aws2.s3.AWS2S3Constants;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;

/**
 * Sets the body to the CopyObject request of the row being migrated, for the aws2-s3 endpoint's {@code pojoRequest}
 * mode, with its attempt limit. Built again for each attempt: the one after an attempt cut off by {@link AttemptTimeouts}
 * asks for the whole-request limit, so that a copy that is slow for a reason (a large object) is not cut off over and
 * over.
 */
public final class CopyRequest implements Processor {

    /** The SDK's name of the operation, under which its answer times are kept. */
    private static final String COPY_OPERATION = "CopyObject";

    private final MigrationSettings settings;
    private final TargetObjectSettings targetObjects;
    private final AttemptTimeouts timeouts;

    public CopyRequest(MigrationSettings settings, TargetObjectSettings targetObjects, AttemptTimeouts timeouts) {
        this.settings = settings;
        this.targetObjects = targetObjects;
        this.timeouts = timeouts;
    }

    @Override
    public void process(Exchange exchange) {
        RowMigration row = exchange.getProperty(RowMigration.PROPERTY, RowMigration.class);
        CopyObjectRequest.Builder request = CopyObjectRequest.builder()
                .sourceBucket(settings.sourceBucket()).sourceKey(row.sourceKey())
                .destinationBucket(settings.targetBucket()).destinationKey(row.targetKey());
        targetObjects.applyTo(request);
        // Set here rather than by the interceptor, which would build the request a second time.
        request.overrideConfiguration(o -> o.apiCallAttemptTimeout(
                exchange.getProperty(FailedAttempt.ATTEMPT_CUT_OFF, false, Boolean.class) ? timeouts.ceiling()
                        : timeouts.limit(COPY_OPERATION)));
        exchange.getMessage().setBody(request.build());
        // Read by the endpoint even when the body is the request.
        exchange.getMessage().setHeader(AWS2S3Constants.KEY, row.sourceKey());
    }
}
