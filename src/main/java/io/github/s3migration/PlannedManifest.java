package io.github.s3migration;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fills a plan's values into a Kubernetes Indexed Job manifest (deploy/kubernetes/migration-job.yaml): its
 * {@code completions} and the shard variables of its container. The text is edited in place rather than parsed
 * and written again, so that the operator's comments and layout survive.
 */
final class PlannedManifest {

    private PlannedManifest() {
    }

    /** @param bounds where slices 1 to shards - 1 start, comma-separated; empty for equal slices */
    static String fill(String manifest, int shards, long idMin, long idMax, String bounds) {
        String filled = replaceOnce(manifest, Pattern.compile("^(\\s*completions:\\s*)\\d+", Pattern.MULTILINE),
                Integer.toString(shards), "completions: <number>");
        filled = environment(filled, "MIGRATION_SHARD_COUNT", Integer.toString(shards));
        filled = environment(filled, "MIGRATION_SHARD_ID_MIN", Long.toString(idMin));
        filled = environment(filled, "MIGRATION_SHARD_ID_MAX", Long.toString(idMax));
        return environment(filled, "MIGRATION_SHARD_BOUNDS", bounds);
    }

    /** An env entry written as {@code - name: NAME} with its {@code value:} on the next line. */
    private static String environment(String manifest, String name, String value) {
        Pattern entry = Pattern.compile("^(\\s*- name:\\s*" + name + "\\s*\\n\\s*value:[ \\t]*)"
                + "(\"[^\"\\n]*\"|'[^'\\n]*'|\\S+)", Pattern.MULTILINE);
        return replaceOnce(manifest, entry, '"' + value + '"', "- name: " + name + " with its value: on the next line");
    }

    private static String replaceOnce(String text, Pattern pattern, String value, String expected) {
        Matcher matcher = pattern.matcher(text);
        if (!matcher.find()) {
            throw new InvalidConfigurationException("migration.plan.manifest has no line " + expected
                    + ": is it deploy/kubernetes/migration-job.yaml?");
        }
        int start = matcher.end(1);
        int end = matcher.end();
        if (matcher.find()) {
            throw new InvalidConfigurationException("migration.plan.manifest has more than one line " + expected
                    + ": give it one Indexed Job");
        }
        return text.substring(0, start) + value + text.substring(end);
    }
}
