package io.github.s3migration;

import java.util.Map;

/** A latency profile for the S3 server: delay in milliseconds per S3Proxy blob-store call kind. */
record Latency(String name, Map<String, Integer> perCallMillis) {

    static Latency none() {
        return new Latency("0ms", Map.of());
    }

    /**
     * Cloud-like: a HEAD is one metadata call and a CopyObject a metadata call plus a copy call, so these two delays
     * set both end to end; the defaults give about 30 ms and 100 ms, what the old tool's author measured on a cloud S3.
     */
    static Latency cloud(int metadataMillis, int copyMillis) {
        return new Latency("cloud", Map.of("metadata", metadataMillis, "copy", copyMillis));
    }
}
