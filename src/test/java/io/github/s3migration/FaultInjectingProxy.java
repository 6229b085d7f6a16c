package io.github.s3migration;

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
 * An HTTP proxy in front of an S3 server that answers every n-th object request with 503 SlowDown and resets the
 * connection of every m-th, and forwards the rest untouched (Host header included, so V4 signatures still verify).
 * Bucket-level requests (the start-up bucket checks) pass untouched.
 */
final class FaultInjectingProxy implements AutoCloseable {

    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger slowDowns = new AtomicInteger();
    private final AtomicInteger resets = new AtomicInteger();
    private final WireMockServer server;

    FaultInjectingProxy(String s3Endpoint, int slowDownEvery, int resetEvery) {
        ResponseDefinitionTransformerV2 faults = new ResponseDefinitionTransformerV2() {
            @Override
            public ResponseDefinition transform(ServeEvent serveEvent) {
                if (!isObjectRequest(serveEvent.getRequest().getUrl())) {
                    return serveEvent.getResponseDefinition();
                }
                int request = requests.incrementAndGet();
                if (request % slowDownEvery == 0) {
                    slowDowns.incrementAndGet();
                    return aResponse().withStatus(503).withHeader("Content-Type", "application/xml")
                            .withBody("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
                                    + "<Message>Please reduce your request rate.</Message></Error>")
                            .build();
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
