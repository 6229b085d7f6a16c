package io.github.s3migration;

import java.util.Map;

/**
 * A latency profile for the S3 server: delay in milliseconds per S3Proxy blob-store call kind, and maybe a tail of
 * slow copies.
 */
record Latency(String name, Map<String, Integer> perCallMillis, CopyTail tail) {

    private static final String WITH_TAIL = "+tail";

    /**
     * {@code 0ms} (none injected) or {@code cloud}, either with {@code +tail} appended for the tail of slow copies;
     * the cloud profile's two delays are below.
     */
    static Latency named(String name, int metadataMillis, int copyMillis, CopyTail tail) {
        String base = name.endsWith(WITH_TAIL) ? name.substring(0, name.length() - WITH_TAIL.length()) : name;
        Map<String, Integer> perCallMillis = switch (base) {
            case "0ms" -> Map.of();
            // A HEAD is one metadata call and a CopyObject a metadata call plus a copy call, so these two delays set
            // both end to end; the defaults give about 30 ms and 100 ms, what the old tool's author measured on a
            // cloud S3.
            case "cloud" -> Map.of("metadata", metadataMillis, "copy", copyMillis);
            default -> throw new IllegalArgumentException("Unknown latency " + name + ": 0ms or cloud, maybe with "
                    + WITH_TAIL);
        };
        if (base.equals(name)) {
            return new Latency(name, perCallMillis, CopyTail.NONE);
        }
        if (tail.isNone()) {
            throw new IllegalArgumentException("Latency " + name + " asks for the tail of slow copies, but bench.tail"
                    + " is none");
        }
        return new Latency(name, perCallMillis, tail);
    }

    /** What the S3 server injects, for the calibration line. */
    String describe() {
        return "S3Proxy delays " + (perCallMillis.isEmpty() ? "none" : perCallMillis)
                + (tail.isNone() ? "" : ", tail: " + tail);
    }
}
