package io.github.s3migration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** After the move: the outcome record of each row, the cleanup of legacy objects, and the rollback of a run. */
abstract class AfterMigrationScenarios extends ScenarioSupport {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void outcomeRecordsSayWhatHappenedToEachRowOfAMixedRun() throws Exception {
        insertRows(numberedKeys("image/", 8), true);
        insertRows(List.of("other/unexpected.png"), false);
        s3.deleteObject(b -> b.bucket(LEGACY_BUCKET).key("image/avatar-3.png"));
        s3.copyObject(b -> b.sourceBucket(LEGACY_BUCKET).sourceKey("image/avatar-4.png")
                .destinationBucket(PRODUCTION_BUCKET).destinationKey("avatar/avatar-4.png"));

        assertThat(migrateWhileAnotherWriterChangesRowFive()).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());

        Path file = onlyOutcomeFile();
        Map<Long, JsonNode> byRow = records(file).stream()
                .collect(Collectors.toMap(record -> record.get("id").asLong(), Function.identity()));
        assertThat(byRow).containsOnlyKeys(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
        assertThat(byRow).allSatisfy((id, record) -> {
            assertThat(record.get("run").asText()).isEqualTo(runIdOf(file));
            assertThat(record.get("table").asText()).isEqualTo("avatars");
            assertThat(record.get("oldKey").asText()).isEqualTo("image/avatar-" + id + ".png");
            assertThat(record.get("newKey").asText()).isEqualTo("avatar/avatar-" + id + ".png");
            assertThat(Instant.parse(record.get("time").asText())).isBefore(Instant.now());
        });
        for (long id : new long[] {1, 2, 6, 7, 8}) {
            HeadObjectResponse legacy = s3.headObject(b -> b.bucket(LEGACY_BUCKET).key("image/avatar-" + id + ".png"));
            assertThat(byRow.get(id).get("outcome").asText()).isEqualTo("copied");
            assertThat(byRow.get(id).get("updated").asBoolean()).isTrue();
            assertThat(byRow.get(id).get("size").asLong()).isEqualTo(legacy.contentLength());
            assertThat(byRow.get(id).get("etag").asText()).isEqualTo(legacy.eTag());
        }
        assertThat(byRow.get(3L).get("outcome").asText()).isEqualTo("dead-lettered");
        assertThat(byRow.get(3L).get("updated").asBoolean()).isFalse();
        assertThat(byRow.get(3L).get("reason").asText()).contains("NoSuchKey");
        assertThat(byRow.get(4L).get("outcome").asText()).isEqualTo("already-present");
        assertThat(byRow.get(4L).get("updated").asBoolean()).isTrue();
        assertThat(byRow.get(5L).get("outcome").asText()).isEqualTo("changed-meanwhile");
        assertThat(byRow.get(5L).get("updated").asBoolean()).isFalse();
        assertThat(Files.readString(file)).doesNotContain(connection().s3SecretKey());
        assertThat(logLines()).anyMatch(line -> line.endsWith("What happened to each row: jq -c . " + file));
    }

    @Test
    void cleanupDeletesOnlyLegacyObjectsNothingNeedsAndSaysWhichRuleKeptEachOther() throws Exception {
        insertRows(numberedKeys("image/", 8), true);
        assertThat(migrate()).isEqualTo(ExitCode.DONE.code());
        execute("DROP TABLE IF EXISTS avatar_history");
        execute("CREATE TABLE avatar_history (id bigserial PRIMARY KEY, old_path text)");
        // 1: a new legacy row uses its object again; 2: another column still points at it; 3: its target was
        // replaced; 4: its target is gone; orphan: in place at the target, but no row was ever migrated from it;
        // other/ and images/: outside the prefix.
        execute("INSERT INTO avatars (path) VALUES ('image/avatar-1.png')");
        execute("INSERT INTO avatar_history (old_path) VALUES ('image/avatar-2.png')");
        insertObject(PRODUCTION_BUCKET, "avatar/avatar-3.png", "replaced by the application");
        s3.deleteObject(b -> b.bucket(PRODUCTION_BUCKET).key("avatar/avatar-4.png"));
        insertObject(LEGACY_BUCKET, "image/orphan.png", "never in the table");
        insertObject(PRODUCTION_BUCKET, "avatar/orphan.png", "never in the table");
        insertObject(LEGACY_BUCKET, "other/avatar-5.png", "outside the prefix");
        insertObject(LEGACY_BUCKET, "images/avatar-6.png", "under a prefix that only starts alike");
        Set<String> legacyBefore = objectKeys(LEGACY_BUCKET);

        // Everything was migrated just now: too young for the default of a week.
        assertThat(cleanup("migration.cleanup.execute", "true")).isEqualTo(ExitCode.DONE.code());
        assertThat(objectKeys(LEGACY_BUCKET)).isEqualTo(legacyBefore);
        assertThat(logLines()).anyMatch(line -> line.endsWith("Cleanup of sketch-legacy-s3/image/: 9 legacy objects"
                + " listed; 0 deleted; 9 kept: 1 still referenced by a row, 1 without a target object, 1 whose target"
                + " object differs, 1 without an outcome record of their row's migration, 5 migrated less than 168"
                + " hours ago"));

        migratedHoursAgo(200, "image/avatar-2.png", "image/avatar-5.png", "image/avatar-6.png", "image/avatar-7.png");
        assertThat(cleanup()).isEqualTo(ExitCode.DONE.code());
        assertThat(objectKeys(LEGACY_BUCKET)).as("a dry run deletes nothing").isEqualTo(legacyBefore);
        assertThat(logLines()).anyMatch(line -> line.endsWith("Cleanup of sketch-legacy-s3/image/: 9 legacy objects"
                + " listed; 4 would be deleted (migration.cleanup.execute=true deletes them); 5 kept: 1 still"
                + " referenced by a row, 1 without a target object, 1 whose target object differs, 1 without an"
                + " outcome record of their row's migration, 1 migrated less than 168 hours ago"));

        assertThat(cleanup("migration.cleanup.execute", "true", "migration.cleanup.referenced-by",
                "public.avatar_history.old_path")).isEqualTo(ExitCode.DONE.code());

        assertThat(objectKeys(LEGACY_BUCKET)).containsExactlyInAnyOrder("image/avatar-1.png", "image/avatar-2.png",
                "image/avatar-3.png", "image/avatar-4.png", "image/avatar-8.png", "image/orphan.png",
                "other/avatar-5.png", "images/avatar-6.png");
        assertThat(logLines()).anyMatch(line -> line.endsWith("Cleanup of sketch-legacy-s3/image/: 9 legacy objects"
                + " listed; 3 deleted; 6 kept: 2 still referenced by a row, 1 without a target object, 1 whose target"
                + " object differs, 1 without an outcome record of their row's migration, 1 migrated less than 168"
                + " hours ago"))
                .anyMatch(line -> line.endsWith("* kept sketch-legacy-s3/image/avatar-1.png: still referenced by avatars.path"))
                .anyMatch(line -> line.endsWith("* kept sketch-legacy-s3/image/avatar-2.png: still referenced by"
                        + " public.avatar_history.old_path"))
                .anyMatch(line -> line.contains("* kept sketch-legacy-s3/image/avatar-3.png: the target object differs: size 27"))
                .anyMatch(line -> line.endsWith("* kept sketch-legacy-s3/image/avatar-4.png: no target object"
                        + " sketch-production-s3/avatar/avatar-4.png"))
                .anyMatch(line -> line.endsWith("* kept sketch-legacy-s3/image/orphan.png: no outcome record of its"
                        + " row's migration"))
                .anyMatch(line -> line.contains("* kept sketch-legacy-s3/image/avatar-8.png: migrated at "))
                // The status before and after: 9 objects under the prefix, then 6.
                .anyMatch(line -> line.endsWith("* 9 objects in bucket sketch-legacy-s3 under image/"))
                .anyMatch(line -> line.endsWith("* 6 objects in bucket sketch-legacy-s3 under image/"));
        List<JsonNode> cleanupRecords = new ArrayList<>();
        for (Path file : outcomeFiles()) {
            records(file).stream().filter(record -> record.get("mode").asText().equals("cleanup"))
                    .forEach(cleanupRecords::add);
        }
        assertThat(cleanupRecords).filteredOn(record -> record.get("outcome").asText().equals("deleted"))
                .extracting(record -> record.get("oldKey").asText())
                .containsExactlyInAnyOrder("image/avatar-5.png", "image/avatar-6.png", "image/avatar-7.png");
    }

    @Test
    void rollbackPutsARunsRowsBackExceptThoseChangedSinceOrWhoseLegacyObjectIsGone() throws Exception {
        List<String> legacy = numberedKeys("image/", 6);
        insertRows(legacy, true);
        assertThat(migrate()).isEqualTo(ExitCode.DONE.code());
        String runId = runIdOf(onlyOutcomeFile());
        execute("UPDATE avatars SET path = 'avatar/changed-since.png' WHERE id = 2");
        s3.deleteObject(b -> b.bucket(LEGACY_BUCKET).key("image/avatar-3.png"));
        List<String> migrated = keys();

        assertThat(rollback(runId, "migration.dry-run", "true")).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());
        assertThat(keys()).as("a dry run writes nothing").isEqualTo(migrated);

        assertThat(rollback(runId)).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());

        assertThat(keys()).containsExactly("image/avatar-1.png", "avatar/changed-since.png", "avatar/avatar-3.png",
                "image/avatar-4.png", "image/avatar-5.png", "image/avatar-6.png");
        assertThat(logLines())
                .anyMatch(line -> line.endsWith("Rollback of run " + runId + ": 6 rows were migrated by it; 4 would be"
                        + " rolled back (dry run), 0 already back at their legacy keys; left alone: 1 changed since, 1"
                        + " whose legacy object no longer exists"))
                .anyMatch(line -> line.endsWith("Rollback of run " + runId + ": 6 rows were migrated by it; 4 rolled"
                        + " back, 0 already back at their legacy keys; left alone: 1 changed since, 1 whose legacy"
                        + " object no longer exists"))
                .anyMatch(line -> line.endsWith("* left alone: row 2 (avatar/avatar-2.png): changed since the"
                        + " migration: its key is 'avatar/changed-since.png', not 'avatar/avatar-2.png'"))
                .anyMatch(line -> line.endsWith("* left alone: row 3 (avatar/avatar-3.png): its legacy object"
                        + " sketch-legacy-s3/image/avatar-3.png no longer exists"));
        List<JsonNode> rollbackRecords = outcomeFiles().stream().filter(file -> !runIdOf(file).equals(runId))
                .flatMap(file -> records(file).stream()).toList();
        assertThat(rollbackRecords).allSatisfy(record -> assertThat(record.get("mode").asText()).isEqualTo("rollback"))
                .extracting(record -> record.get("id").asLong() + " " + record.get("outcome").asText())
                .containsExactlyInAnyOrder("1 rolled-back", "2 changed-meanwhile", "3 legacy-object-missing",
                        "4 rolled-back", "5 rolled-back", "6 rolled-back");

        // Again: the rows already back count as rolled back.
        assertThat(rollback(runId)).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());
        assertThat(logLines()).anyMatch(line -> line.endsWith("Rollback of run " + runId + ": 6 rows were migrated by"
                + " it; 0 rolled back, 4 already back at their legacy keys; left alone: 1 changed since, 1 whose legacy"
                + " object no longer exists"));
    }

    @Test
    void aRollbackWithoutARunOrOfAnUnknownRunIsOneLineAndWritesNothing() throws Exception {
        insertRows(numberedKeys("image/", 3), true);

        assertRefusedWithOneLine("migration.mode=rollback needs migration.rollback.run=<run id>",
                "migration.mode", "rollback");
        assertRefusedWithOneLine("migration.rollback.run is not a run id (yyyyMMdd-HHmmss-xxxx, a shard's with"
                + " -s<index>): '../etc/passwd'",
                "migration.mode", "rollback", "migration.rollback.run", "../etc/passwd");
        assertRefusedWithOneLine("No outcome records of run 20991231-235959-abcd at ",
                "migration.mode", "rollback", "migration.rollback.run", "20991231-235959-abcd");
        assertRefusedWithOneLine("migration.cleanup.referenced-by must list table.column names",
                "migration.mode", "cleanup", "migration.cleanup.referenced-by", "avatar_history");

        assertThat(keys()).allMatch(key -> key.startsWith("image/"));
    }

    private int cleanup(String... keyValues) {
        return migrate(Stream.concat(Stream.of("migration.mode", "cleanup"), Stream.of(keyValues))
                .toArray(String[]::new));
    }

    private int rollback(String runId, String... keyValues) {
        return migrate(Stream.concat(Stream.of("migration.mode", "rollback", "migration.rollback.run", runId),
                Stream.of(keyValues)).toArray(String[]::new));
    }

    /** Moves the migration records of these legacy keys back in time, as if their run was that long ago. */
    private void migratedHoursAgo(int hours, String... legacyKeys) throws IOException {
        Set<String> keys = Set.of(legacyKeys);
        for (Path file : outcomeFiles()) {
            List<String> lines = new ArrayList<>();
            for (JsonNode record : records(file)) {
                if (keys.contains(record.get("oldKey").asText())) {
                    ((ObjectNode) record).put("time", Instant.now().minus(Duration.ofHours(hours)).toString());
                }
                lines.add(JSON.writeValueAsString(record));
            }
            Files.write(file, lines);
        }
    }

    private Path onlyOutcomeFile() throws IOException {
        List<Path> files = outcomeFiles();
        assertThat(files).hasSize(1);
        return files.get(0);
    }

    private static String runIdOf(Path file) {
        return file.getFileName().toString().replace("migration-", "").replace(".outcomes.jsonl", "");
    }
}
