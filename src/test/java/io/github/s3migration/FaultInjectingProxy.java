package io.github.s3migration;

import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * An HTTP proxy in front of an S3 server that injects failures into object requests and forwards the rest untouched
 * (Host header included, so V4 signatures still verify). Bucket-level requests (the start-up checks) pass untouched.
 */
final class FaultInjectingProxy implements AutoCloseable {

    private final AtomicInteger slowDowns = new AtomicInteger();
    private final AtomicInteger resets = new AtomicInteger();
    private final AtomicInteger hangs = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger listings = new AtomicInteger();
    private final List<Long> arrivals = new CopyOnWriteArrayList<>();
    private final List<Long> allArrivals = new CopyOnWriteArrayList<>();
    private final List<String> requestLines = new CopyOnWriteArrayList<>();
    private volatile long lastFaultNanos;
    private final WireMockServer server;

    /** Answers every n-th object request with 503 SlowDown and resets the connection of every m-th. */
    static FaultInjectingProxy slowDownsAndResets(String s3Endpoint, int slowDownEvery, int resetEvery) {
        return new FaultInjectingProxy(s3Endpoint, (proxy, request, n, forward) ->
                n % slowDownEvery == 0 ? proxy.slowDown() : n % resetEvery == 0 ? proxy.reset() : null);
    }

    /** Random shares of object requests answer 503 SlowDown, reset the connection, or hang for hangMillis. */
    static FaultInjectingProxy randomFaults(String s3Endpoint, long seed, double slowDownShare, double resetShare,
            double hangShare, int hangMillis) {
        Random random = new Random(seed);
        return new FaultInjectingProxy(s3Endpoint, (proxy, request, n, forward) -> {
            double draw;
            synchronized (random) {
                draw = random.nextDouble();
            }
            if (draw < slowDownShare) {
                return proxy.slowDown();
            }
            if (draw < slowDownShare + resetShare) {
                return proxy.reset();
            }
            if (draw < slowDownShare + resetShare + hangShare) {
                proxy.hangs.incrementAndGet();
                return aResponse().withStatus(200).withFixedDelay(hangMillis).build();
            }
            return null;
        });
    }

    /** Answers the n-th object request with 429 Too Many Requests, and forwards every other one. */
    static FaultInjectingProxy tooManyRequestsAt(String s3Endpoint, int failing) {
        return new FaultInjectingProxy(s3Endpoint, (proxy, request, n, forward) -> {
            if (n != failing) {
                return null;
            }
            proxy.lastFaultNanos = System.nanoTime();
            return s3Error(429, "TooManyRequests", "Please reduce your request rate.");
        });
    }

    /** Answers 403 AccessDenied to every write: a bucket the credentials cannot write to. */
    static FaultInjectingProxy readOnly(String s3Endpoint) {
        return new FaultInjectingProxy(s3Endpoint, (proxy, request, n, forward) ->
                List.of("GET", "HEAD").contains(request.getMethod().getName()) ? null
                        : s3Error(403, "AccessDenied", "Access Denied"));
    }

    /** Answers 403 AccessDenied to every request about a key containing the text, as source or target. */
    static FaultInjectingProxy denyKeysContaining(String s3Endpoint, String text) {
        return new FaultInjectingProxy(s3Endpoint, (proxy, request, n, forward) -> {
            String copySource = request.getHeader("x-amz-copy-source");
            boolean denied = request.getUrl().contains(text) || (copySource != null && copySource.contains(text));
            return denied ? s3Error(403, "AccessDenied", "Access Denied") : null;
        });
    }

    /** Forwards everything, but holds back the answer to requests whose URL contains the text. */
    static FaultInjectingProxy delayRequestsContaining(String s3Endpoint, String text, int delayMillis) {
        return new FaultInjectingProxy(s3Endpoint, (proxy, request, n, forward) -> request.getUrl().contains(text)
                ? aResponse().proxiedFrom(s3Endpoint).withFixedDelay(delayMillis).build() : null);
    }

    /**
     * Forwards everything, but holds back the answer to the first request about each key containing one of the texts,
     * as a cloud provider now and then answers one request in many seconds (or a connection hangs).
     */
    static FaultInjectingProxy holdFirstRequestContaining(String s3Endpoint, List<String> texts, int holdMillis) {
        Set<String> held = ConcurrentHashMap.newKeySet();
        return new FaultInjectingProxy(s3Endpoint, (proxy, request, n, forward) -> {
            for (String text : texts) {
                if (request.getUrl().contains(text) && held.add(text)) {
                    proxy.lastFaultNanos = System.nanoTime();
                    return aResponse().proxiedFrom(s3Endpoint).withFixedDelay(holdMillis).build();
                }
            }
            return null;
        });
    }

    /**
     * Credentials with a policy of their own: S3 answers 403 AccessDenied to every request, of a bucket or of an
     * object, that {@code denied} refuses (its method, and its path and query as sent), and forwards the others.
     */
    static FaultInjectingProxy denying(String s3Endpoint, BiPredicate<String, String> denied) {
        return new FaultInjectingProxy(s3Endpoint, (proxy, request, n, forward) -> null, -1, denied);
    }

    /** Answers the n-th listing request (of any bucket) with 503 SlowDown, and forwards every other request. */
    static FaultInjectingProxy slowDownAtListing(String s3Endpoint, int failing) {
        return new FaultInjectingProxy(s3Endpoint, (proxy, request, n, forward) -> null, failing);
    }

    /** Decides the fate of the n-th object request: a response of its own, or null to forward it. */
    private interface Policy {
        ResponseDefinition answer(FaultInjectingProxy proxy, LoggedRequest request, int n, ResponseDefinition forward);
    }

    private FaultInjectingProxy(String s3Endpoint, Policy policy) {
        this(s3Endpoint, policy, -1);
    }

    private FaultInjectingProxy(String s3Endpoint, Policy policy, int failingListing) {
        this(s3Endpoint, policy, failingListing, (method, url) -> false);
    }

    /**
     * @param failingListing the listing request to answer with 503 SlowDown (1 for the first); -1 for none
     * @param denied         the requests (method, path and query) to answer with 403 AccessDenied
     */
    private FaultInjectingProxy(String s3Endpoint, Policy policy, int failingListing,
            BiPredicate<String, String> denied) {
        ResponseDefinitionTransformerV2 transformer = new ResponseDefinitionTransformerV2() {
            @Override
            public ResponseDefinition transform(ServeEvent serveEvent) {
                LoggedRequest request = serveEvent.getRequest();
                allArrivals.add(System.nanoTime());
                requestLines.add(request.getMethod().getName() + " " + request.getUrl());
                if (denied.test(request.getMethod().getName(), request.getUrl())) {
                    return s3Error(403, "AccessDenied", "Access Denied");
                }
                if (request.getUrl().contains("list-type=2") && listings.incrementAndGet() == failingListing) {
                    return slowDown();
                }
                if (!isObjectRequest(request.getUrl())) {
                    return serveEvent.getResponseDefinition();
                }
                arrivals.add(System.nanoTime());
                ResponseDefinition answer = policy.answer(FaultInjectingProxy.this, request,
                        requests.incrementAndGet(), serveEvent.getResponseDefinition());
                return answer != null ? answer : serveEvent.getResponseDefinition();
            }

            @Override
            public String getName() {
                return "s3-faults";
            }
        };
        server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").preserveHostHeader(true)
                .disableRequestJournal().containerThreads(200).extensions(transformer));
        server.start();
        server.stubFor(any(anyUrl()).willReturn(aResponse().proxiedFrom(s3Endpoint)));
    }

    private ResponseDefinition slowDown() {
        slowDowns.incrementAndGet();
        return s3Error(503, "SlowDown", "Please reduce your request rate.");
    }

    private ResponseDefinition reset() {
        resets.incrementAndGet();
        return aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER).build();
    }

    private static ResponseDefinition s3Error(int status, String code, String message) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/xml")
                .withBody("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>"
                        + message + "</Message></Error>")
                .build();
    }

    /** Path-style URLs: /bucket/key... for objects, /bucket or /bucket?query for buckets. */
    private static boolean isObjectRequest(String url) {
        String path = url.split("\\?", 2)[0];
        int keyStart = path.indexOf('/', 1);
        return keyStart > 0 && keyStart < path.length() - 1;
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.port();
    }

    int slowDownsAnswered() {
        return slowDowns.get();
    }

    int connectionsReset() {
        return resets.get();
    }

    int requestsHung() {
        return hangs.get();
    }

    /** When each object request reached the proxy, in System.nanoTime(). */
    List<Long> objectRequestArrivals() {
        return List.copyOf(arrivals);
    }

    /** When each request, of any kind, reached the proxy, in System.nanoTime(). */
    List<Long> allRequestArrivals() {
        return List.copyOf(allArrivals);
    }

    /** Method and URL of every request that reached the proxy, in order of arrival. */
    List<String> requestLines() {
        return List.copyOf(requestLines);
    }

    /** When the last injected fault was answered (or, for held requests, began), in System.nanoTime(). */
    long lastFaultNanos() {
        return lastFaultNanos;
    }

    @Override
    public void close() {
        server.stop();
    }
}
