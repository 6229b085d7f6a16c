package io.github.s3migration;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The job's {@code -D} properties against the benchmark's servers; {@code -Dbench.job.<key>=<value>} adds or
 * overrides any of them.
 */
final class JobProperties {

    private final Map<String, String> properties = new LinkedHashMap<>();

    JobProperties(ConnectionSettings connection, Path output) {
        properties.put("migration.embedded", "false");
        properties.put("migration.db.url", connection.dbUrl());
        properties.put("migration.db.user", connection.dbUser());
        properties.put("migration.s3.endpoint", connection.s3Endpoint());
        properties.put("migration.s3.region", connection.s3Region());
        properties.put("migration.s3.access-key", connection.s3AccessKey());
        properties.put("migration.s3.secret-key", connection.s3SecretKey());
        properties.put("migration.s3.path-style", "true");
        properties.put("migration.assume-yes", "true");
        properties.put("migration.progress-interval-ms", "1000");
        properties.put("migration.log-dir", output.resolve("logs").toString());
        properties.put("migration.dead-letter-dir", output.resolve("dead-letters").toString());
        properties.put("migration.outcome-dir", output.resolve("outcomes").toString());
        System.getProperties().stringPropertyNames().stream().filter(name -> name.startsWith("bench.job."))
                .forEach(name -> properties.put(name.substring("bench.job.".length()), System.getProperty(name)));
    }

    /** These properties and some more, such as a mode and the dataset it prepares. */
    Map<String, String> with(Map<String, String> more) {
        Map<String, String> answer = new LinkedHashMap<>(properties);
        answer.putAll(more);
        return answer;
    }

    /** A migration at one point of the benchmark. */
    Map<String, String> at(int parallelism, int batchSize, String httpClient) {
        Map<String, String> answer = new LinkedHashMap<>(properties);
        answer.put("migration.parallelism", Integer.toString(parallelism));
        answer.put("migration.batch-size", Integer.toString(batchSize));
        answer.put("migration.s3.http-client", httpClient);
        return answer;
    }
}
