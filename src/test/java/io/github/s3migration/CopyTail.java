package io.github.s3migration;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Properties;

/**
 * A tail of slow copies: a share of CopyObject requests held for some milliseconds, then answered normally, as a
 * cloud S3 now and then answers far slower than usual. {@link #NONE} holds none.
 */
record CopyTail(double share, int millis) {

    static final CopyTail NONE = new CopyTail(0, 0);

    private static final String SHARE = "bench.tail.share";
    private static final String MILLIS = "bench.tail.millis";

    /** {@code share:millis}, such as {@code 0.005:5000}; empty or {@code none}: {@link #NONE}. */
    static CopyTail parse(String spec) {
        String trimmed = spec.trim();
        if (trimmed.isEmpty() || trimmed.equals("none")) {
            return NONE;
        }
        String[] parts = trimmed.split(":");
        if (parts.length != 2) {
            throw new IllegalArgumentException("bench.tail is share:millis, such as 0.005:5000, or none: " + spec);
        }
        CopyTail tail = new CopyTail(Double.parseDouble(parts[0]), Integer.parseInt(parts[1]));
        if (tail.share <= 0 || tail.share > 1 || tail.millis <= 0) {
            throw new IllegalArgumentException("bench.tail needs a share in (0, 1] and a positive delay: " + spec);
        }
        return tail;
    }

    boolean isNone() {
        return share == 0;
    }

    /** Carried to the S3 server process in its properties file. */
    void writeTo(StringBuilder properties) {
        if (!isNone()) {
            properties.append(SHARE).append('=').append(share).append('\n')
                    .append(MILLIS).append('=').append(millis).append('\n');
        }
    }

    static CopyTail readFrom(Properties properties) {
        String share = properties.getProperty(SHARE);
        return share == null ? NONE
                : new CopyTail(Double.parseDouble(share), Integer.parseInt(properties.getProperty(MILLIS)));
    }

    @Override
    public String toString() {
        return isNone() ? "none" : String.format(Locale.ROOT, "%s %% of CopyObject requests held %d ms more",
                BigDecimal.valueOf(share).movePointRight(2).stripTrailingZeros().toPlainString(), millis);
    }
}
