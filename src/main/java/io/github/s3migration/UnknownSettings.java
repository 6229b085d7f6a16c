package io.github.s3migration;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import org.apache.camel.spi.PropertiesComponent;

/**
 * A misspelled setting would be silently ignored (the job running with the default instead): every {@code migration.*},
 * {@code prepare.*} and {@code check.*} key given, in a properties file or with {@code -D}, must be one the job knows,
 * that is one that the packaged {@code application.properties} lists.
 */
final class UnknownSettings {

    private static final String[] PREFIXES = {"migration.", "prepare.", "check."};

    private UnknownSettings() {
    }

    static void refuse(PropertiesComponent properties) {
        Set<String> known = knownKeys();
        Set<String> given = new TreeSet<>(properties.loadProperties(UnknownSettings::ours).stringPropertyNames());
        System.getProperties().stringPropertyNames().stream().filter(UnknownSettings::ours).forEach(given::add);
        for (String key : given) {
            if (!known.contains(key)) {
                String nearest = known.stream().min(Comparator.comparingInt(candidate -> distance(key, candidate)))
                        .orElseThrow();
                throw new InvalidConfigurationException("Unknown setting " + key + " (did you mean " + nearest + "?)");
            }
        }
    }

    private static boolean ours(String key) {
        for (String prefix : PREFIXES) {
            if (key.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> knownKeys() {
        Properties defaults = new Properties();
        try (InputStream file = UnknownSettings.class.getResourceAsStream("/application.properties")) {
            defaults.load(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the packaged application.properties", e);
        }
        Set<String> known = new TreeSet<>(defaults.stringPropertyNames());
        known.removeIf(key -> !ours(key));
        return known;
    }

    /** Levenshtein: the fewest one-character edits from one key to the other. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
