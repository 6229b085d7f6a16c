package io.github.s3migration;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import software.amazon.awssdk.awscore.AwsRequest;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Ends an attempt of a per-row S3 request (a copy, a HEAD) that takes far longer than is normal in this run, so that
 * it is retried at once instead of holding its row and its thread for the client's whole timeout: a hung connection,
 * or one of the multi-second answers cloud providers give a small share of requests. An attempt's limit is a multiple of the p99 of that
 * operation's recent answers in this run, never under a floor nor over the whole-request limit
 * ({@code migration.s3.timeout-seconds}). A request that sets its own limit keeps it: the copy that follows an attempt
 * cut off this way asks for the whole-request limit, so a legitimately long copy (a large object) still completes.
 *
 * {@link FailedAttempt} marks the exchange whose attempt was cut off.
 */
public final class AttemptTimeouts implements ExecutionInterceptor {

    private static final ExecutionAttribute<Long> SENT_AT = new ExecutionAttribute<>("migrationAttemptSentAt");
    /**
     * The requests made for one row each, many alike, whose slow tail holds rows up. A listing page's time depends on
     * the bucket and the server more than on luck: listings keep the whole-request limit.
     */
    private static final Set<String> PER_ROW_OPERATIONS = Set.of("CopyObject", "HeadObject");

    private final long floorNanos;
    private final long ceilingNanos;
    private final double p99Factor;
    private final Map<String, RecentLatencies> byOperation = new ConcurrentHashMap<>();
    private final LongAdder cutOff = new LongAdder();

    public AttemptTimeouts(Duration floor, Duration ceiling, double p99Factor) {
        this.floorNanos = Math.min(floor.toNanos(), ceiling.toNanos());
        this.ceilingNanos = ceiling.toNanos();
        this.p99Factor = p99Factor;
    }

    /** The whole-request limit, for an attempt that must not be cut off early. */
    public Duration ceiling() {
        return Duration.ofNanos(ceilingNanos);
    }

    /** The limit for the next attempt of this operation ("CopyObject", "HeadObject", "ListObjectsV2", ...). */
    public Duration limit(String operation) {
        RecentLatencies latencies = byOperation.get(operation);
        long p99 = latencies == null ? -1 : latencies.p99Nanos();
        // Until enough answers are known, the floor's multiple: a hung request at start-up waits seconds, not minutes.
        long limit = (long) (p99Factor * (p99 < 0 ? floorNanos : p99));
        return Duration.ofNanos(Math.min(ceilingNanos, Math.max(floorNanos, limit)));
    }

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
        SdkRequest request = context.request();
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        if (!PER_ROW_OPERATIONS.contains(operation) || !(request instanceof AwsRequest awsRequest)
                || awsRequest.overrideConfiguration().flatMap(o -> o.apiCallAttemptTimeout()).isPresent()) {
            return request;
        }
        Duration limit = limit(operation);
        AwsRequestOverrideConfiguration.Builder override = awsRequest.overrideConfiguration()
                .map(AwsRequestOverrideConfiguration::toBuilder).orElseGet(AwsRequestOverrideConfiguration::builder);
        return awsRequest.toBuilder().overrideConfiguration(override.apiCallAttemptTimeout(limit).build()).build();
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        attributes.putAttribute(SENT_AT, System.nanoTime());
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        Long sentAt = attributes.getAttribute(SENT_AT);
        if (sentAt != null) {
            record(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME), System.nanoTime() - sentAt);
        }
    }

    /** An answer to an attempt of this operation came after this long. */
    void record(String operation, long nanos) {
        byOperation.computeIfAbsent(operation, name -> new RecentLatencies()).add(nanos);
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        if (context.exception() instanceof ApiCallAttemptTimeoutException) {
            cutOff.increment();
        }
    }

    /** Attempts ended by their limit in this run. */
    public long cutOff() {
        return cutOff.sum();
    }

    /** The answer times of an operation's last {@link #SIZE} attempts, and their p99, recomputed now and then. */
    private static final class RecentLatencies {

        private static final int SIZE = 1_024;
        private static final int MIN_SAMPLES = 100;
        private static final int RECOMPUTE_EVERY = 64;

        private final long[] nanos = new long[SIZE];
        private long count;
        private volatile long p99 = -1;

        synchronized void add(long latencyNanos) {
            nanos[(int) (count++ % SIZE)] = latencyNanos;
            if (count >= MIN_SAMPLES && count % RECOMPUTE_EVERY == 0) {
                long[] sorted = Arrays.copyOf(nanos, (int) Math.min(count, SIZE));
                Arrays.sort(sorted);
                p99 = sorted[(int) Math.ceil(sorted.length * 0.99) - 1];
            }
        }

        long p99Nanos() {
            return p99;
        }
    }
}
