package io.github.s3migration;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Keeps secrets out of every line the job prints or logs, whichever library writes it and at whatever level: the
 * secret values the job was given, a {@code password=} parameter, and the user-info part of a URL
 * ({@code //user:password@host}). The log layouts mask every message and stack trace through it.
 */
public final class SecretMasking {

    private static final String MASK = "****";
    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)(password=)[^&;\\s\"']*");
    /** {@code user:password@host}, with or without the {@code //} before it (drivers print both). */
    private static final Pattern USER_INFO = Pattern.compile("([\\w.%+-]+):[^/@\\s]+@(?=[\\w.\\[])");
    /** Shorter values (an empty password, a single character) would mask ordinary text. */
    private static final int SHORTEST_SECRET = 4;
    private static final Set<String> SECRETS = ConcurrentHashMap.newKeySet();

    private SecretMasking() {
    }

    /** From now on, this value never appears in a line. */
    public static void register(String secret) {
        if (secret != null && secret.length() >= SHORTEST_SECRET) {
            SECRETS.add(secret);
        }
    }

    public static String mask(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String masked = text;
        for (String secret : SECRETS) {
            if (masked.contains(secret)) {
                masked = masked.replace(secret, MASK);
            }
        }
        if (masked.indexOf('=') >= 0) {
            masked = PASSWORD_PARAMETER.matcher(masked).replaceAll("$1" + MASK);
        }
        if (masked.indexOf('@') >= 0) {
            masked = USER_INFO.matcher(masked).replaceAll("$1:" + MASK + "@");
        }
        return masked;
    }
}
