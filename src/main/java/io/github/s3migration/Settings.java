package io.github.s3migration;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.spi.PropertiesComponent;

/**
 * Reads Camel's properties for the settings records and turns every bad value into a one-line
 * {@link InvalidConfigurationException}. Defaults live in application.properties only: a key left empty that needs a
 * value is refused.
 */
final class Settings {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
    private static final Pattern ENVIRONMENT_PLACEHOLDER = Pattern.compile("\\{\\{env:([A-Za-z0-9_]+)(?::(.*))?}}");

    private final PropertiesComponent properties;

    Settings(PropertiesComponent properties) {
        this.properties = properties;
    }

    /**
     * A secret exactly as it was given: not trimmed, and nothing in it read as a placeholder (a password may contain
     * spaces or braces). A key defined by an environment placeholder, as the prod profile defines each secret, reads
     * that variable's value as it is. From then on the value is masked in every log line.
     */
    String secret(String key) {
        String raw = rawValue(key);
        Matcher environment = raw == null ? null : ENVIRONMENT_PLACEHOLDER.matcher(raw);
        String value = raw == null ? ""
                : environment.matches() ? Optional.ofNullable(System.getenv(environment.group(1)))
                        .orElse(Optional.ofNullable(environment.group(2)).orElse(""))
                : raw;
        SecretMasking.register(value);
        return value;
    }

    /**
     * The key's value before Camel resolves anything in it: a -D system property first, as Camel takes it, then the
     * properties Camel loaded (files, then the ones set by code).
     */
    private String rawValue(String key) {
        String system = System.getProperty(key);
        return system != null ? system : properties.loadProperties(key::equals).getProperty(key);
    }

    Optional<String> optional(String key) {
        return properties.resolveProperty(key).map(String::trim).filter(value -> !value.isEmpty());
    }

    /** The value, or empty: for the keys where empty means "none" (a log directory, an S3 endpoint). */
    String text(String key) {
        return optional(key).orElse("");
    }

    /** Names the environment variable too, since the prod profile reads each required value from one. */
    String required(String key) {
        return optional(key).orElseThrow(() -> new InvalidConfigurationException(
                "Missing required setting " + key + " (environment variable " + environmentName(key) + ")"));
    }

    /** A whole number in range; every key has its default in application.properties. */
    int integer(String key, int min, int max) {
        return parseInteger(key, required(key), min, max);
    }

    /** A whole number in range, or empty where the job computes the value from others. */
    OptionalInt optionalInteger(String key, int min, int max) {
        return optional(key).map(value -> OptionalInt.of(parseInteger(key, value, min, max))).orElse(OptionalInt.empty());
    }

    /** A whole number of the size of a database id (bigint), or empty. */
    OptionalLong optionalLong(String key) {
        return optional(key).map(value -> {
            try {
                return OptionalLong.of(Long.parseLong(value));
            } catch (NumberFormatException e) {
                throw new InvalidConfigurationException(key + " must be a whole number, not '" + value + "'");
            }
        }).orElse(OptionalLong.empty());
    }

    private static int parseInteger(String key, String value, int min, int max) {
        int number;
        try {
            number = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new InvalidConfigurationException(key + " must be a whole number, not '" + value + "'");
        }
        if (number < min || number > max) {
            throw new InvalidConfigurationException(key + " must be between " + min + " and " + max + ", not " + number);
        }
        return number;
    }

    double fraction(String key) {
        String value = required(key);
        try {
            double number = Double.parseDouble(value);
            if (number >= 0 && number <= 1) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below, like a number out of range
        }
        throw new InvalidConfigurationException(key + " must be a number from 0 to 1, not '" + value + "'");
    }

    String choice(String key, List<String> allowed) {
        String value = required(key);
        if (!allowed.contains(value)) {
            throw new InvalidConfigurationException(key + " must be one of " + String.join(", ", allowed) + ", not '"
                    + value + "'");
        }
        return value;
    }

    boolean flag(String key) {
        String value = required(key);
        if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
            throw new InvalidConfigurationException(key + " must be true or false, not '" + value + "'");
        }
        return Boolean.parseBoolean(value);
    }

    /** Table and column names go into SQL text, so only plain identifiers are accepted (schema.table for tables). */
    String identifier(String key, boolean schemaQualified) {
        String value = required(key);
        if (!isIdentifier(value, schemaQualified)) {
            throw new InvalidConfigurationException(key + " is not a plain SQL identifier: '" + value + "'");
        }
        return value;
    }

    static boolean isIdentifier(String value, boolean schemaQualified) {
        String[] parts = value.split("\\.", -1);
        boolean valid = parts.length == 1 || (schemaQualified && parts.length == 2);
        for (String part : parts) {
            valid &= IDENTIFIER.matcher(part).matches();
        }
        return valid;
    }

    /** migration.db.url is read from MIGRATION_DB_URL under the prod profile, and so on for every key. */
    static String environmentName(String key) {
        return key.toUpperCase().replace('.', '_').replace('-', '_');
    }
}
