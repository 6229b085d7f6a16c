package io.github.s3migration;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;

import static org.assertj.core.api.Assertions.assertThat;

/** What a migration does to rows and objects: which rows move, which are left alone, which go to dead letters. */
abstract class CoreScenarios extends ScenarioSupport {

    @Test
    void migratesMixedDatasetAndLeavesUnexpectedRowsAlone() throws Exception {
        long legacy = dataset().create(400, 0.5, 1024, 8192, 7).legacyRows();
        List<String> unexpected = List.of("other/avatar-1.png", "image", "IMAGE/avatar-2.png", "");
        insertRows(unexpected, false);
        execute("INSERT INTO avatars (path) VALUES (NULL)");

        assertThat(migrate()).isEqualTo(ExitCode.DONE.code());

        List<String> keys = keys();
        assertThat(keys.stream().filter(key -> key != null && key.startsWith("image/"))).isEmpty();
        List<String> production = keys.stream().filter(key -> key != null && key.startsWith("avatar/")).toList();
        assertThat(production).hasSize(400);
        assertThat(objectKeys(PRODUCTION_BUCKET)).containsAll(production);
        assertThat(keys.subList(400, 405)).containsExactly("other/avatar-1.png", "image", "IMAGE/avatar-2.png", "", null);
        assertThat(objectKeys(LEGACY_BUCKET)).hasSize((int) legacy);
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void reRunAfterCompletionCopiesNothing() throws Exception {
        dataset().create(200, 0.5, 1024, 8192, 11);
        assertThat(migrate()).isEqualTo(ExitCode.DONE.code());
        List<String> afterFirstRun = keys();
        // Any copy attempted now would fail and be dead-lettered.
        emptyOrCreate(LEGACY_BUCKET);

        assertThat(migrate("migration.skip-existing", "false")).isEqualTo(ExitCode.DONE.code());

        assertThat(keys()).isEqualTo(afterFirstRun);
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void existenceCheckKeepsObjectsAlreadyCopied() throws Exception {
        givenObjectAtTheTarget("legacy a");

        assertThat(migrate()).isEqualTo(ExitCode.DONE.code());

        assertThat(keys()).containsExactly("avatar/a.png", "avatar/b.png");
        assertThat(content(PRODUCTION_BUCKET, "avatar/a.png")).isEqualTo("legacy a");
        assertThat(content(PRODUCTION_BUCKET, "avatar/b.png")).isEqualTo("legacy b");
        assertThat(logLines()).anyMatch(line -> line.contains("Migration finished after ")
                && line.contains(": 1 files copied, 1 already present, 2 rows updated"));
    }

    @Test
    void existenceCheckFindsObjectsAlreadyCopiedWhenTheBatchKeysAreFarApart() throws Exception {
        // Between the batch's two target keys lie more keys than one listing reads: each row asks with a HEAD.
        insertRows(List.of("image/a.png", "image/z.png"), false);
        insertObject(LEGACY_BUCKET, "image/a.png", "legacy a");
        insertObject(LEGACY_BUCKET, "image/z.png", "legacy z");
        insertObject(PRODUCTION_BUCKET, "avatar/z.png", "legacy z");
        givenMoreKeysBetweenTheTargetsThanOneListingReads();

        assertThat(migrate()).isEqualTo(ExitCode.DONE.code());

        assertThat(keys()).containsExactly("avatar/a.png", "avatar/z.png");
        assertThat(content(PRODUCTION_BUCKET, "avatar/a.png")).isEqualTo("legacy a");
        assertThat(logLines()).anyMatch(line -> line.contains("Migration finished after ")
                && line.contains(": 1 files copied, 1 already present, 2 rows updated"));
    }

    @ParameterizedTest(name = "migration.skip-existing={0}")
    @ValueSource(booleans = {true, false})
    void aLegacyRowMappingOntoAnotherRowsKeyIsDeadLetteredNamingItAndThatRowsObjectIsUntouched(boolean skipExisting)
            throws Exception {
        // Row 1 is a production row; row 2 maps onto its key; rows 3 and 4 hold the same legacy key.
        insertRows(List.of("avatar/avatar-1.png", "image/avatar-1.png", "image/avatar-3.png", "image/avatar-3.png",
                "image/avatar-5.png"), false);
        insertObject(PRODUCTION_BUCKET, "avatar/avatar-1.png", "the production row's own bytes");
        for (String key : List.of("image/avatar-1.png", "image/avatar-3.png", "image/avatar-5.png")) {
            insertObject(LEGACY_BUCKET, key, "legacy bytes of " + key);
        }

        assertThat(migrate("migration.skip-existing", Boolean.toString(skipExisting)))
                .isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());

        assertThat(content(PRODUCTION_BUCKET, "avatar/avatar-1.png")).isEqualTo("the production row's own bytes");
        assertThat(keys()).containsExactly("avatar/avatar-1.png", "image/avatar-1.png", "avatar/avatar-3.png",
                "image/avatar-3.png", "avatar/avatar-5.png");
        assertThat(deadLetters()).extracting(letter -> letter.get("rowId").asLong() + ": "
                + letter.get("errorMessage").asText()).containsExactlyInAnyOrder(
                "2: row 1 already points at the target key avatar/avatar-1.png: this row is left as it is, so that two"
                        + " rows never share one object and its copy never replaces row 1's",
                "4: row 3 already points at the target key avatar/avatar-3.png: this row is left as it is, so that two"
                        + " rows never share one object and its copy never replaces row 3's");
    }

    @ParameterizedTest(name = "target keys far apart (a HEAD each): {0}")
    @ValueSource(booleans = {false, true})
    void aDifferentObjectAtATargetKeyIsNeitherPointedAtNorOverwrittenUnlessAsked(boolean farApart) throws Exception {
        insertRows(List.of("image/a.png", "image/z.png"), false);
        insertObject(LEGACY_BUCKET, "image/a.png", "legacy a");
        insertObject(LEGACY_BUCKET, "image/z.png", "legacy z");
        insertObject(PRODUCTION_BUCKET, "avatar/z.png", "another user's file");
        if (farApart) {
            givenMoreKeysBetweenTheTargetsThanOneListingReads();
        }

        assertThat(migrate()).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());

        assertThat(keys()).containsExactly("avatar/a.png", "image/z.png");
        assertThat(content(PRODUCTION_BUCKET, "avatar/z.png")).isEqualTo("another user's file");
        assertThat(deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.get("rowId").asLong()).isEqualTo(2);
            assertThat(letter.get("errorType").asText()).isEqualTo("TargetConflictException");
            assertThat(letter.get("errorMessage").asText()).startsWith("a different object is at the target key"
                    + " avatar/z.png: size 19 (legacy 8), ETag ");
        });

        assertThat(migrate("migration.target.on-conflict", "overwrite")).isEqualTo(ExitCode.DONE.code());

        assertThat(keys()).containsExactly("avatar/a.png", "avatar/z.png");
        assertThat(content(PRODUCTION_BUCKET, "avatar/z.png")).isEqualTo("legacy z");
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void existenceCheckFindsAWholeBatchAlreadyCopiedAcrossSeveralListingPages() throws Exception {
        // As after a crash between the copies and the update: every target exists, no source does (a copy would fail).
        insertRows(numberedKeys("image/", 300), false);
        dataset().uploadObjects(numberedKeys("avatar/", 300), 3);

        assertThat(migrate("migration.batch-size", "300")).isEqualTo(ExitCode.DONE.code());

        assertThat(keys()).isEqualTo(numberedKeys("avatar/", 300));
        assertThat(deadLetters()).isEmpty();
        assertThat(logLines()).anyMatch(line -> line.contains("Migration finished after ")
                && line.contains(": 0 files copied, 300 already present, 300 rows updated"));
    }

    @Test
    void withoutExistenceCheckEveryObjectIsCopied() throws Exception {
        givenObjectAtTheTarget("copied earlier");

        assertThat(migrate("migration.skip-existing", "false")).isEqualTo(ExitCode.DONE.code());

        assertThat(keys()).containsExactly("avatar/a.png", "avatar/b.png");
        assertThat(content(PRODUCTION_BUCKET, "avatar/a.png")).isEqualTo("legacy a");
    }

    @ParameterizedTest(name = "migration.s3.http-client={0}")
    @ValueSource(strings = {"crt", "apache"})
    void missingSourceObjectIsDeadLetteredAndTheOtherRowsMigrate(String httpClient) throws Exception {
        List<String> legacy = numberedKeys("image/", 20);
        insertRows(legacy, true);
        s3.deleteObject(b -> b.bucket(LEGACY_BUCKET).key("image/avatar-7.png"));

        assertThat(migrate("migration.s3.http-client", httpClient)).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());

        List<JsonNode> deadLetters = deadLetters();
        assertThat(deadLetters).hasSize(1);
        JsonNode deadLetter = deadLetters.get(0);
        assertThat(deadLetter.get("rowId").asLong()).isEqualTo(7);
        assertThat(deadLetter.get("sourceKey").asText()).isEqualTo("image/avatar-7.png");
        assertThat(deadLetter.get("targetKey").asText()).isEqualTo("avatar/avatar-7.png");
        assertThat(deadLetter.get("errorType").asText()).isEqualTo("NoSuchKey");
        assertThat(deadLetter.get("attempts").asInt()).isEqualTo(1);
        assertThat(keys()).filteredOn(key -> key.startsWith("image/")).containsExactly("image/avatar-7.png");
        assertThat(objectKeys(PRODUCTION_BUCKET)).containsAll(
                keys().stream().filter(key -> key.startsWith("avatar/")).toList());
    }

    @Test
    void aRowWhoseUpdateKeepsFailingIsDeadLetteredAloneAndTheRestOfItsBatchMigrates() throws Exception {
        insertRows(numberedKeys("image/", 30), true);
        execute("CREATE FUNCTION refuse_row_15() RETURNS trigger AS $$ BEGIN"
                + " IF NEW.id = 15 THEN RAISE EXCEPTION 'row 15 is locked'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql");
        execute("CREATE TRIGGER refuse_row_15 BEFORE UPDATE ON avatars FOR EACH ROW EXECUTE FUNCTION refuse_row_15()");

        int firstRun = migrate("migration.batch-size", "10", "migration.retry.max-redeliveries", "1",
                "migration.retry.initial-delay-ms", "10");

        assertThat(firstRun).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());
        assertThat(deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.get("rowId").asLong()).isEqualTo(15);
            assertThat(letter.get("errorMessage").asText()).contains("row 15 is locked");
        });
        assertThat(keys()).filteredOn(key -> key.startsWith("image/")).containsExactly("image/avatar-15.png");

        execute("DROP TRIGGER refuse_row_15 ON avatars");
        assertThat(migrate("migration.batch-size", "10")).isEqualTo(ExitCode.DONE.code());

        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
        assertThat(objectKeys(PRODUCTION_BUCKET)).containsAll(keys());
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void aTargetKeyTooLongForItsColumnIsDeadLetteredAtOnceAndTheOtherRowsMigrate() throws Exception {
        // The target prefix is one character longer than the source prefix: row 15's new key does not fit.
        List<String> keys = new ArrayList<>(IntStream.rangeClosed(1, 30).mapToObj(i -> "image/a-" + i + ".png").toList());
        keys.set(14, "image/longkey-15.png");
        insertRows(keys, true);
        execute("ALTER TABLE avatars ALTER COLUMN path TYPE varchar(20)");

        long start = System.nanoTime();
        assertThat(migrate("migration.batch-size", "10")).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());

        // Permanent (SQLState 22001): not retried for the 120 s a transient failure is.
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(60));
        assertThat(deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.get("rowId").asLong()).isEqualTo(15);
            assertThat(letter.get("errorMessage").asText()).contains("value too long");
        });
        assertThat(keys()).filteredOn(key -> key.startsWith("image/")).containsExactly("image/longkey-15.png");
        assertThat(keys()).filteredOn(key -> key.startsWith("avatar/")).hasSize(29);
    }

    @Test
    void oddKeysMigrate() throws Exception {
        List<String> odd = List.of("image/with space.png", "image/plus+sign.png", "image/percent%20sign.png",
                "image/ünïcødé-日本語.png", "image/question?.png", "image/hash#.png", "image/" + "x".repeat(994));
        assertThat(odd.get(6).getBytes(StandardCharsets.UTF_8)).hasSize(1_000);
        insertRows(odd, true);

        assertThat(migrate()).isEqualTo(ExitCode.DONE.code());

        List<String> expected = odd.stream().map(key -> "avatar/" + key.substring("image/".length())).toList();
        assertThat(keys()).containsExactlyElementsOf(expected);
        assertThat(objectKeys(PRODUCTION_BUCKET)).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void badRowsAreDeadLetteredOrLeftAloneAndTheOthersMigrate() throws Exception {
        String longest = "image/" + "k/".repeat(508) + "zz";
        assertThat(longest.getBytes(StandardCharsets.UTF_8)).hasSize(1_024);
        List<String> keys = List.of("image/", "", "image/a b.png", "image/plus+.png", "image/pct%41.png",
                "image/q?.png", "image/h#.png", "image/ü日本.png", longest);
        insertRows(keys, false);
        execute("INSERT INTO avatars (path) VALUES (NULL)");
        for (String key : keys.subList(2, 9)) {
            insertObject(LEGACY_BUCKET, key, key);
        }

        assertThat(migrate()).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());

        assertThat(deadLetters()).extracting(letter -> letter.get("rowId").asLong() + " " + letter.get("errorType").asText())
                .containsExactlyInAnyOrder("1 InvalidRowException", "9 InvalidRowException");
        assertThat(keys()).containsExactly("image/", "", "avatar/a b.png", "avatar/plus+.png", "avatar/pct%41.png",
                "avatar/q?.png", "avatar/h#.png", "avatar/ü日本.png", longest, null);
        assertThat(content(PRODUCTION_BUCKET, "avatar/q?.png")).isEqualTo("image/q?.png");
    }

    @Test
    void rowChangedByAnotherWriterWhileItsObjectIsCopiedIsLeftAlone() throws Exception {
        insertRows(numberedKeys("image/", 10), true);

        // The changed row is still legacy: the job cannot say it is done.
        assertThat(migrateWhileAnotherWriterChangesRowFive()).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());

        assertThat(keys().get(4)).isEqualTo("image/changed-by-someone.png");
        assertThat(keys()).filteredOn(key -> key.startsWith("avatar/")).hasSize(9);
        // Batches fill in the order copies complete, so the changed row's batch holds whichever rows completed with it.
        assertThat(logLines()).anyMatch(line -> line.matches(".*WARNING: 1 of \\d+ rows changed in the database while"
                + " their objects were copied; left as they are: ids \\[5]"))
                .anyMatch(line -> line.endsWith("WARNING: 1 legacy rows are left: 0 dead-lettered, 1 changed by another"
                        + " writer while their objects were copied (ids in the warnings above), 0 appeared or became"
                        + " legacy during the run; run the job again to migrate them"));
    }

    @Test
    void replayMigratesADeadLetteredRowOnceItsCauseIsFixed() throws Exception {
        insertRows(numberedKeys("image/", 10), true);
        s3.deleteObject(b -> b.bucket(LEGACY_BUCKET).key("image/avatar-3.png"));
        assertThat(migrate()).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());

        assertThat(migrate("migration.mode", "replay")).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());
        assertThat(deadLetters()).singleElement().satisfies(letter -> assertThat(letter.get("attempts").asInt()).isEqualTo(2));

        insertObject(LEGACY_BUCKET, "image/avatar-3.png", "restored");
        assertThat(migrate("migration.mode", "replay")).isEqualTo(ExitCode.DONE.code());

        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
        assertThat(content(PRODUCTION_BUCKET, "avatar/avatar-3.png")).isEqualTo("restored");
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void permanentFailuresAreDeadLetteredWithTheirReasonAndReplayedOnceFixed() throws Exception {
        List<String> keys = new ArrayList<>(numberedKeys("image/", 20));
        keys.addAll(List.of("image/secret/a.png", "image/secret/b.png"));
        insertRows(keys, true);
        s3.deleteObject(b -> b.bucket(LEGACY_BUCKET).key("image/avatar-4.png"));
        s3.deleteObject(b -> b.bucket(LEGACY_BUCKET).key("image/avatar-9.png"));

        try (FaultInjectingProxy denied = FaultInjectingProxy.denyKeysContaining(connection().s3Endpoint(), "/secret/")) {
            assertThat(migrate("migration.s3.endpoint", denied.endpoint())).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());
        }

        assertThat(deadLetters()).extracting(letter -> letter.get("sourceKey").asText() + " " + letter.get("errorType").asText())
                .containsExactlyInAnyOrder("image/avatar-4.png NoSuchKey", "image/avatar-9.png NoSuchKey",
                        "image/secret/a.png AccessDenied", "image/secret/b.png AccessDenied");
        assertThat(deadLetters()).allMatch(letter -> letter.get("errorMessage").asText().length() > 10);
        assertThat(keys()).filteredOn(key -> key.startsWith("image/")).hasSize(4);
        assertThat(migrate("migration.mode", "dead-letters", "migration.verbose", "true"))
                .isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());
        assertThat(migrate("migration.mode", "status")).isEqualTo(ExitCode.DONE.code());
        assertThat(logLines())
                .anyMatch(line -> line.contains("* 2 x NoSuchKey, for example image/avatar-"))
                .anyMatch(line -> line.contains("* 2 x AccessDenied, for example image/secret/"))
                .anyMatch(line -> line.contains("* row 4 (image/avatar-4.png): NoSuchKey: ") && line.contains("(attempts 1, run "))
                .anyMatch(line -> line.endsWith("* 4 legacy entries in the database"));

        insertObject(LEGACY_BUCKET, "image/avatar-4.png", "restored 4");
        insertObject(LEGACY_BUCKET, "image/avatar-9.png", "restored 9");
        assertThat(migrate("migration.mode", "replay")).isEqualTo(ExitCode.DONE.code());

        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void aStaleDeadLetterIsReportedAndReplayRemovesIt() throws Exception {
        insertRows(numberedKeys("image/", 10), true);
        s3.deleteObject(b -> b.bucket(LEGACY_BUCKET).key("image/avatar-3.png"));
        assertThat(migrate()).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());
        // Fixed by hand: the row no longer needs its letter.
        execute("UPDATE avatars SET path = 'avatar/fixed-by-hand.png' WHERE id = 3");

        assertThat(migrate("migration.mode", "dead-letters")).isEqualTo(ExitCode.DONE.code());
        assertThat(deadLetters()).hasSize(1);
        assertThat(migrate("migration.mode", "replay")).isEqualTo(ExitCode.DONE.code());

        assertThat(deadLetters()).isEmpty();
        assertThat(logLines())
                .anyMatch(line -> line.endsWith("1 stale dead letters: their rows are no longer legacy (a replay"
                        + " removes them)"))
                .anyMatch(line -> line.endsWith("Removed 1 stale dead letters: their rows are no longer legacy"));
    }

    @Test
    void anIdColumnNamedWithAReservedWordMigrates() throws Exception {
        insertRows(numberedKeys("image/", 30), true);
        execute("ALTER TABLE avatars RENAME COLUMN id TO \"order\"");
        try {
            assertThat(migrate("migration.id-column", "order")).isEqualTo(ExitCode.DONE.code());
        } finally {
            execute("ALTER TABLE avatars RENAME COLUMN \"order\" TO id");
        }
        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
    }

    @Test
    void withAPublicReadTargetAclEveryCopyIsReadableWithoutCredentials() throws Exception {
        insertRows(numberedKeys("image/", 3), true);
        assertThat(migrate()).isEqualTo(ExitCode.DONE.code());
        assertThat(anonymousGet(PRODUCTION_BUCKET, "avatar/avatar-1.png")).as("a private copy").isEqualTo(403);

        execute("UPDATE avatars SET path = replace(path, 'avatar/', 'image/')");
        assertThat(migrate("migration.target.acl", "public-read", "migration.skip-existing", "false"))
                .isEqualTo(ExitCode.DONE.code());

        for (String key : keys()) {
            assertThat(anonymousGet(PRODUCTION_BUCKET, key)).as(key).isEqualTo(200);
        }
    }

    @Test
    void publicLegacyObjectsThatWouldTurnPrivateAreWarnedAboutBeforeTheConfirmation() throws Exception {
        insertRows(numberedKeys("image/", 3), true);
        for (String key : numberedKeys("image/", 3)) {
            s3.putObjectAcl(b -> b.bucket(LEGACY_BUCKET).key(key).acl(ObjectCannedACL.PUBLIC_READ));
        }
        String warning = "WARNING: legacy objects such as sketch-legacy-s3/image/avatar-1.png are readable by anyone,"
                + " and their copies will not be (CopyObject does not copy the ACL): set migration.target.acl=public-read"
                + " to keep them public";

        assertThat(migrate("migration.dry-run", "true")).isEqualTo(ExitCode.DONE.code());
        assertThat(migrate("migration.target.acl", "public-read")).isEqualTo(ExitCode.DONE.code());

        List<String> lines = logLines();
        assertThat(lines).filteredOn(line -> line.endsWith(warning)).hasSize(1);
        assertThat(lines.stream().filter(line -> line.endsWith(warning)).findFirst().map(lines::indexOf).orElseThrow())
                .isLessThan(lines.indexOf(lines.stream().filter(line -> line.contains("Dry run: 3 legacy rows would be"
                        + " migrated")).findFirst().orElseThrow()));
    }

    @Test
    void contentTypeAndUserMetadataArriveAsTheyWere() throws Exception {
        insertRows(List.of("image/a.png"), false);
        s3.putObject(b -> b.bucket(LEGACY_BUCKET).key("image/a.png").contentType("image/png")
                .cacheControl("max-age=86400").metadata(Map.of("owner", "42")), RequestBody.fromString("png bytes"));

        assertThat(migrate()).isEqualTo(ExitCode.DONE.code());

        HeadObjectResponse copy = s3.headObject(b -> b.bucket(PRODUCTION_BUCKET).key("avatar/a.png"));
        assertThat(copy.contentType()).isEqualTo("image/png");
        assertThat(copy.cacheControl()).isEqualTo("max-age=86400");
        assertThat(copy.metadata()).containsEntry("owner", "42");
    }

    @Test
    void objectsAboveTheThresholdAreCopiedInPartsByteForByteWithTheirContentTypeAndMetadata() throws Exception {
        insertRows(List.of("image/large-1.png", "image/large-2.png", "image/small.png"), false);
        Map<String, byte[]> bytes = Map.of("image/large-1.png", randomBytes(1, 12 << 20),
                "image/large-2.png", randomBytes(2, (11 << 20) + 12_345), "image/small.png", randomBytes(3, 4_096));
        bytes.forEach((key, content) -> s3.putObject(b -> b.bucket(LEGACY_BUCKET).key(key).contentType("image/png")
                .cacheControl("max-age=60").metadata(Map.of("owner", key)), RequestBody.fromBytes(content)));

        List<String> requests;
        try (FaultInjectingProxy counting = FaultInjectingProxy.delayRequestsContaining(connection().s3Endpoint(), "/",
                0)) {
            assertThat(migrate("migration.s3.endpoint", counting.endpoint(), "migration.multipart-copy-threshold-bytes",
                    Long.toString(5L << 20))).isEqualTo(ExitCode.DONE.code());
            requests = counting.requestLines();
        }

        assertThat(keys()).containsExactly("avatar/large-1.png", "avatar/large-2.png", "avatar/small.png");
        bytes.forEach((key, content) -> {
            String copyKey = "avatar/" + key.substring("image/".length());
            assertThat(s3.getObjectAsBytes(b -> b.bucket(PRODUCTION_BUCKET).key(copyKey)).asByteArray())
                    .as(copyKey).isEqualTo(content);
            HeadObjectResponse copy = s3.headObject(b -> b.bucket(PRODUCTION_BUCKET).key(copyKey));
            assertThat(copy.contentType()).isEqualTo("image/png");
            assertThat(copy.cacheControl()).isEqualTo("max-age=60");
            assertThat(copy.metadata()).containsEntry("owner", key);
        });
        // Parts of 5 MiB: three for each large object, none for the small one, which was one CopyObject.
        assertThat(requests).filteredOn(line -> line.startsWith("PUT /" + PRODUCTION_BUCKET + "/avatar/large-")
                && line.contains("partNumber=")).hasSize(6);
        assertThat(requests).filteredOn(line -> line.startsWith("PUT /" + PRODUCTION_BUCKET + "/avatar/small.png"))
                .hasSize(1);
        assertThat(s3.listMultipartUploads(b -> b.bucket(PRODUCTION_BUCKET)).uploads()).isEmpty();
    }

    @Test
    void aCopyInPartsThatFailsMidwayLeavesNoIncompleteUploadAndTheRowIsDeadLettered() throws Exception {
        insertRows(List.of("image/large.png", "image/small.png"), false);
        s3.putObject(b -> b.bucket(LEGACY_BUCKET).key("image/large.png"), RequestBody.fromBytes(randomBytes(4, 16 << 20)));
        insertObject(LEGACY_BUCKET, "image/small.png", "small");

        // The second part of every upload is refused for good.
        try (FaultInjectingProxy secondPartRefused = FaultInjectingProxy.denying(connection().s3Endpoint(),
                (method, url) -> method.equals("PUT") && url.contains("partNumber=2&"))) {
            assertThat(migrate("migration.s3.endpoint", secondPartRefused.endpoint(),
                    "migration.multipart-copy-threshold-bytes", Long.toString(5L << 20)))
                    .isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());
        }

        assertThat(keys()).containsExactly("image/large.png", "avatar/small.png");
        assertThat(deadLetters()).singleElement().satisfies(letter -> assertThat(letter.get("rowId").asLong())
                .isEqualTo(1));
        assertThat(s3.listMultipartUploads(b -> b.bucket(PRODUCTION_BUCKET)).uploads()).isEmpty();
        assertThat(objectExists(PRODUCTION_BUCKET, "avatar/large.png")).isFalse();
    }

    private static byte[] randomBytes(long seed, int size) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** The status of a GET without credentials, as a browser asks for an avatar. */
    private int anonymousGet(String bucket, String key) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(connection().s3Endpoint() + "/" + bucket + "/" + key)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Rows image/a.png and image/b.png with their objects, and at a's target key an object with this content. */
    private void givenObjectAtTheTarget(String content) throws Exception {
        insertRows(List.of("image/a.png", "image/b.png"), false);
        insertObject(LEGACY_BUCKET, "image/a.png", "legacy a");
        insertObject(LEGACY_BUCKET, "image/b.png", "legacy b");
        insertObject(PRODUCTION_BUCKET, "avatar/a.png", content);
    }

    /** Between avatar/a.png and avatar/z.png, more keys than one listing reads: each row asks with a HEAD. */
    private void givenMoreKeysBetweenTheTargetsThanOneListingReads() throws Exception {
        dataset().uploadObjects(IntStream.rangeClosed(1, 1_100).mapToObj(i -> "avatar/m-" + i + ".png").toList(), 3);
    }
}
