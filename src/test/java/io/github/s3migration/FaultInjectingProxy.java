package io.github.s3migration;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * An HTTP proxy in front of an S3 server that injects S3 failures into object requests and forwards the rest untouched
 * (Host header included, so V4 signatures still verify). Bucket-level requests (the start-up checks) pass untouched.
 */
final class FaultInjectingProxy implements AutoCloseable {

    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger slowDowns = new AtomicInteger();
    private final AtomicInteger resets = new AtomicInteger();
    private final WireMockServer server;

    /** Answers every n-th object request with 503 SlowDown and resets the connection of every m-th. */
    static FaultInjectingProxy slowDownsAndResets(String s3Endpoint, int slowDownEvery, int resetEvery) {
        return new FaultInjectingProxy(s3Endpoint, slowDownEvery, resetEvery, false);
    }

    /** Answers 403 AccessDenied to every write: a bucket the credentials cannot write to. */
    static FaultInjectingProxy readOnly(String s3Endpoint) {
        return new FaultInjectingProxy(s3Endpoint, Integer.MAX_VALUE, Integer.MAX_VALUE, true);
    }

    private FaultInjectingProxy(String s3Endpoint, int slowDownEvery, int resetEvery, boolean readOnly) {
        ResponseDefinitionTransformerV2 faults = new ResponseDefinitionTransformerV2() {
            @Override
            public ResponseDefinition transform(ServeEvent serveEvent) {
                if (!isObjectRequest(serveEvent.getRequest().getUrl())) {
                    return serveEvent.getResponseDefinition();
                }
                if (readOnly && !List.of("GET", "HEAD").contains(serveEvent.getRequest().getMethod().getName())) {
                    return s3Error(403, "AccessDenied", "Access Denied");
                }
                int request = requests.incrementAndGet();
                if (request % slowDownEvery == 0) {
                    slowDowns.incrementAndGet();
                    return s3Error(503, "SlowDown", "Please reduce your request rate.");
                }
                if (request % resetEvery == 0) {
                    resets.incrementAndGet();
                    return aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER).build();
                }
                return serveEvent.getResponseDefinition();
            }

            @Override
            public String getName() {
                return "s3-faults";
            }
        };
        server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").preserveHostHeader(true)
                .disableRequestJournal().extensions(faults));
        server.start();
        server.stubFor(any(anyUrl()).willReturn(aResponse().proxiedFrom(s3Endpoint)));
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

    @Override
    public void close() {
        server.stop();
    }
}
