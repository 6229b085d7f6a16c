package io.github.s3migration;

import java.util.Comparator;

/** The order S3 lists keys in: by their UTF-8 bytes, which is the order of their code points (not of Java's chars). */
final class S3KeyOrder {

    static final Comparator<String> COMPARATOR = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    };

    private S3KeyOrder() {
    }
}
