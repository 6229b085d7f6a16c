package io.github.s3migration;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the operator sees and answers: the modes, the confirmations, refusals before anything is written (one line,
 * exit code 1), the progress and log lines, the run lock, metrics and secrets kept out of every line.
 */
abstract class OperatorScenarios extends ScenarioSupport {

    @Test
    void dryRunWritesNothing() throws Exception {
        insertRows(numberedKeys("image/", 30), true);
        List<String> before = keys();

        assertThat(migrate("migration.dry-run", "true")).isEqualTo(ExitCode.DONE.code());

        assertThat(keys()).isEqualTo(before);
        assertThat(objectKeys(PRODUCTION_BUCKET)).isEmpty();
        assertThat(logLines()).anyMatch(line -> line.endsWith(
                "Dry run: 30 legacy rows would be migrated; nothing was written"));
    }

    @Test
    void withoutTerminalOrAssumeYesTheJobRefusesBeforeAnyWrite() throws Exception {
        insertRows(numberedKeys("image/", 5), true);

        assertThat(migrate("migration.assume-yes", "false")).isEqualTo(ExitCode.CANNOT_RUN.code());

        assertNothingWritten();
    }

    @Test
    void operatorConfirmsTwiceOnTheTerminal() throws Exception {
        insertRows(numberedKeys("image/", 20), true);

        Terminal session = migrateInTerminal("yes\nyes\n");

        assertThat(session.exitCode()).isEqualTo(ExitCode.DONE.code());
        assertThat(session.output()).contains("Are you sure you want to continue? (yes/no)",
                "Are you sure you want to perform the migration over this data status? (yes/no)", "Migration finished");
        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
    }

    @Test
    void operatorWhoAnswersNoGetsNothingWritten() throws Exception {
        insertRows(numberedKeys("image/", 20), true);

        Terminal session = migrateInTerminal("yes\nno\n");

        assertThat(session.exitCode()).isEqualTo(ExitCode.CANNOT_RUN.code());
        assertThat(session.output()).contains("Not confirmed");
        assertNothingWritten();
    }

    @Test
    void targetThatCannotBeWrittenIsRefusedBeforeAnyWrite() throws Exception {
        insertRows(numberedKeys("image/", 5), true);

        try (FaultInjectingProxy readOnly = FaultInjectingProxy.readOnly(connection().s3Endpoint())) {
            assertThat(migrate("migration.s3.endpoint", readOnly.endpoint())).isEqualTo(ExitCode.CANNOT_RUN.code());
        }

        assertThat(logLines()).anyMatch(line -> line.contains("ERROR: Cannot write bucket sketch-production-s3"));
        assertNothingWritten();
    }

    @Test
    void withoutListBucketOnTheTargetEveryRowMigratesWithAHeadEachAndNoAccessDeniedLetter() throws Exception {
        List<String> legacy = numberedKeys("image/", 300);
        insertRows(legacy, true);
        for (String key : legacy.subList(0, 20)) {
            s3.copyObject(b -> b.sourceBucket(LEGACY_BUCKET).sourceKey(key).destinationBucket(PRODUCTION_BUCKET)
                    .destinationKey("avatar/" + key.substring("image/".length())));
        }

        // As S3 answers credentials without s3:ListBucket: no listing, and 403 for a HEAD of a missing key.
        try (FaultInjectingProxy noListing = FaultInjectingProxy.denying(connection().s3Endpoint(), (method, url) ->
                isListing(url, PRODUCTION_BUCKET) || (List.of("HEAD", "GET").contains(method)
                        && objectKey(url, PRODUCTION_BUCKET).filter(key -> !objectExists(PRODUCTION_BUCKET, key))
                        .isPresent()))) {
            assertThat(migrate("migration.s3.endpoint", noListing.endpoint())).isEqualTo(ExitCode.DONE.code());
        }

        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
        assertThat(objectKeys(PRODUCTION_BUCKET)).hasSize(300);
        assertThat(deadLetters()).isEmpty();
        assertThat(logLines()).anyMatch(line -> line.contains("WARNING: s3:ListBucket is denied in bucket "
                + PRODUCTION_BUCKET + ": each row's copy is looked for with a HEAD"))
                .anyMatch(line -> line.contains(": 280 files copied, 20 already present, 300 rows updated"))
                .anyMatch(line -> line.endsWith("* objects in bucket " + PRODUCTION_BUCKET + " under avatar/ not counted"
                        + " (s3:ListBucket is denied)"));
    }

    @Test
    void withoutListBucketNorGetObjectOnTheTargetTheRunIsRefusedNamingBothUnlessItNeedNotLook() throws Exception {
        insertRows(numberedKeys("image/", 30), true);

        try (FaultInjectingProxy blind = FaultInjectingProxy.denying(connection().s3Endpoint(), (method, url) ->
                isListing(url, PRODUCTION_BUCKET) || (List.of("HEAD", "GET").contains(method)
                        && objectKey(url, PRODUCTION_BUCKET).isPresent()))) {
            assertRefusedWithOneLine("Cannot tell which copies are in bucket " + PRODUCTION_BUCKET + " already:"
                    + " s3:ListBucket and s3:GetObject are both denied there; grant s3:ListBucket on the prefix avatar/,"
                    + " or set migration.skip-existing=false", "migration.s3.endpoint", blind.endpoint());
            assertNothingWritten();

            assertThat(migrate("migration.s3.endpoint", blind.endpoint(), "migration.skip-existing", "false"))
                    .isEqualTo(ExitCode.DONE.code());
        }
        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
    }

    @Test
    void withoutGetObjectOnTheSourceTheRunIsRefusedNamingIt() throws Exception {
        insertRows(numberedKeys("image/", 5), true);

        try (FaultInjectingProxy noRead = FaultInjectingProxy.denying(connection().s3Endpoint(), (method, url) ->
                List.of("HEAD", "GET").contains(method) && objectKey(url, LEGACY_BUCKET).isPresent())) {
            assertRefusedWithOneLine("Cannot read objects of bucket " + LEGACY_BUCKET + " (migration.source.bucket):"
                    + " HTTP 403 (s3:GetObject is needed)", "migration.s3.endpoint", noRead.endpoint());
        }
        assertNothingWritten();
    }

    @Test
    void aWriteProbeThatCannotBeDeletedIsReportedAndTheRunGoesOn() throws Exception {
        insertRows(numberedKeys("image/", 5), true);

        try (FaultInjectingProxy noDelete = FaultInjectingProxy.denying(connection().s3Endpoint(), (method, url) ->
                method.equals("DELETE") && objectKey(url, PRODUCTION_BUCKET).isPresent())) {
            assertThat(migrate("migration.s3.endpoint", noDelete.endpoint())).isEqualTo(ExitCode.DONE.code());
        }

        assertThat(objectKeys(PRODUCTION_BUCKET)).filteredOn(key -> key.startsWith("avatar/.migration-write-check-"))
                .singleElement().satisfies(probe -> assertThat(logLines()).anyMatch(line -> line.endsWith(
                        "WARNING: the write check left " + PRODUCTION_BUCKET + "/" + probe + " behind: s3:DeleteObject"
                        + " is denied there (the migration itself never deletes); remove it by hand")));
        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
    }

    @Test
    void aListBucketPolicyRestrictedToTheTwoPrefixesIsEnoughToMigrateCountAndVerify() throws Exception {
        insertRows(numberedKeys("image/", 1_200), true);
        insertObject(LEGACY_BUCKET, "elsewhere/other.png", "not ours");

        try (FaultInjectingProxy prefixesOnly = FaultInjectingProxy.denying(connection().s3Endpoint(), (method, url) ->
                (isListing(url, LEGACY_BUCKET) && !listedPrefix(url).startsWith("image/"))
                        || (isListing(url, PRODUCTION_BUCKET) && !listedPrefix(url).startsWith("avatar/")))) {
            assertThat(migrate("migration.s3.endpoint", prefixesOnly.endpoint())).isEqualTo(ExitCode.DONE.code());
            assertThat(migrate("migration.s3.endpoint", prefixesOnly.endpoint(), "migration.mode", "status"))
                    .isEqualTo(ExitCode.DONE.code());
            assertThat(migrate("migration.s3.endpoint", prefixesOnly.endpoint(), "migration.mode", "verify"))
                    .isEqualTo(ExitCode.DONE.code());
        }
        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
        assertThat(logLines()).anyMatch(line -> line.endsWith("* 1200 objects in bucket " + LEGACY_BUCKET
                + " under image/")).anyMatch(line -> line.endsWith("* 1200 objects in bucket " + PRODUCTION_BUCKET
                + " under avatar/")).noneMatch(line -> line.contains("not counted"));
    }

    /** A ListObjectsV2 request of the bucket, as a path-style URL. */
    private static boolean isListing(String url, String bucket) {
        return url.matches("/" + bucket + "/?\\?.*") && url.contains("list-type=2");
    }

    /** The prefix a listing asks for, decoded; empty for none. */
    private static String listedPrefix(String url) {
        for (String parameter : url.substring(url.indexOf('?') + 1).split("&")) {
            if (parameter.startsWith("prefix=")) {
                return URLDecoder.decode(parameter.substring("prefix=".length()), StandardCharsets.UTF_8);
            }
        }
        return "";
    }

    /** The object key of a request about an object of the bucket, decoded. */
    private static Optional<String> objectKey(String url, String bucket) {
        String path = url.split("\\?", 2)[0];
        String start = "/" + bucket + "/";
        return path.startsWith(start) && path.length() > start.length()
                ? Optional.of(URLDecoder.decode(path.substring(start.length()), StandardCharsets.UTF_8))
                : Optional.empty();
    }

    @Test
    void progressLinesAndTheLogFileAgreeWithTheDatabase() throws Exception {
        insertRows(numberedKeys("image/", 300), true);

        assertThat(migrate("migration.progress-interval-ms", "50", "migration.parallelism", "4",
                "migration.batch-size", "20", "migration.verbose", "true")).isEqualTo(ExitCode.DONE.code());

        List<String> log = logLines();
        assertThat(log).allMatch(line -> line.matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} .*"));
        List<String> progress = log.stream().filter(line -> line.contains(" Progress ")).toList();
        assertThat(progress).isNotEmpty();
        // Batches fill as copies complete and may be written part full: their count is the run's own.
        assertThat(progress.get(progress.size() - 1)).matches(".* Progress 100%, batches (\\d+)/\\1, files copied 300,"
                + " already present 0, rows updated 300, dead letters 0, .*");
        // Rows arrive a batch at a time, so many 50 ms intervals see none: the rate, over a window, stays above 0.
        assertThat(progress.stream().dropWhile(line -> line.contains("rows updated 0,")))
                .noneMatch(line -> line.contains("rate 0.0 rows/s"));
        assertThat(log).filteredOn(line -> line.contains(" * copied sketch-legacy-s3/image/")).hasSize(300);
        assertThat(log).filteredOn(line -> line.contains(" * updated row ")).hasSize(300);
        assertThat(keys()).filteredOn(key -> key.startsWith("avatar/")).hasSize(300);
    }

    @Test
    void verifyReportsARowWhoseObjectWasDeleted() throws Exception {
        insertRows(numberedKeys("image/", 20), true);
        assertThat(migrate()).isEqualTo(ExitCode.DONE.code());
        assertThat(migrate("migration.mode", "verify")).isEqualTo(ExitCode.DONE.code());

        s3.deleteObject(b -> b.bucket(PRODUCTION_BUCKET).key("avatar/avatar-12.png"));

        assertThat(migrate("migration.mode", "verify")).isEqualTo(ExitCode.PROBLEMS_FOUND.code());
        assertThat(logLines()).anyMatch(line -> line.endsWith(
                "* missing: row 12 points at sketch-production-s3/avatar/avatar-12.png"));
    }

    @Test
    void verifyReportsACopyThatDiffersFromItsSourceAndObjectsNoRowPointsAt() throws Exception {
        insertRows(numberedKeys("image/", 20), true);
        assertThat(migrate()).isEqualTo(ExitCode.DONE.code());
        // The same size, one byte changed: only the ETag tells them apart.
        byte[] legacy = s3.getObjectAsBytes(b -> b.bucket(LEGACY_BUCKET).key("image/avatar-5.png")).asByteArray();
        byte[] changed = legacy.clone();
        changed[changed.length - 1]++;
        s3.putObject(b -> b.bucket(PRODUCTION_BUCKET).key("avatar/avatar-5.png"), RequestBody.fromBytes(changed));
        insertObject(PRODUCTION_BUCKET, "avatar/orphan.png", "uploaded by hand");

        assertThat(migrate("migration.mode", "verify")).isEqualTo(ExitCode.PROBLEMS_FOUND.code());

        assertThat(logLines())
                .anyMatch(line -> line.contains("* different: row 5 points at sketch-production-s3/avatar/avatar-5.png,"
                        + " which differs from its legacy source sketch-legacy-s3/image/avatar-5.png: size "
                        + legacy.length + " (legacy " + legacy.length + "), ETag "))
                .anyMatch(line -> line.endsWith("20 production rows checked against bucket sketch-production-s3: 0 point"
                        + " at a missing object"))
                .anyMatch(line -> line.endsWith("1 production rows point at an object that differs from its legacy"
                        + " source (size and ETag compared where the legacy object still exists; size alone for an"
                        + " object uploaded in parts)"))
                .anyMatch(line -> line.endsWith("* orphan: sketch-production-s3/avatar/orphan.png (no row points at it)"))
                .anyMatch(line -> line.endsWith("1 objects under sketch-production-s3/avatar/ are not pointed at by any"
                        + " row"))
                .anyMatch(line -> line.endsWith("1 rows point at an object that differs from its legacy source"));
    }

    @Test
    void prepareBuildsTheRequestedDataset() throws Exception {
        // Left over from an earlier dataset: more than one listing page, all to be deleted.
        dataset().uploadObjects(IntStream.rangeClosed(1, 2_500).mapToObj(i -> "avatar/old-" + i + ".png").toList(), 5);

        assertThat(migrate("migration.mode", "prepare", "prepare.count", "500", "prepare.legacy-share", "0.3",
                "prepare.allow-destroy", "true")).isEqualTo(ExitCode.DONE.code());

        List<String> keys = keys();
        assertThat(keys).hasSize(500);
        long legacy = keys.stream().filter(key -> key.startsWith("image/")).count();
        assertThat(legacy).isBetween(100L, 200L);
        assertThat(objectKeys(LEGACY_BUCKET)).hasSize((int) legacy);
        assertThat(objectKeys(PRODUCTION_BUCKET)).hasSize(500 - (int) legacy);
        assertThat(logLines()).anyMatch(line -> line.contains("Created " + legacy + " legacy and " + (500 - legacy)
                + " production rows with their objects"));
    }

    @Test
    void prepareOutsideTheEmbeddedDefaultNeedsAllowDestroy() throws Exception {
        insertRows(numberedKeys("image/", 5), true);

        assertThat(migrate("migration.mode", "prepare", "prepare.count", "10")).isEqualTo(ExitCode.CANNOT_RUN.code());

        assertThat(keys()).hasSize(5);
        assertThat(objectKeys(LEGACY_BUCKET)).hasSize(5);
    }

    @Test
    void integrationCheckFindsNoProblem() throws Exception {
        assertThat(migrate("migration.mode", "check", "check.count", "400", "prepare.allow-destroy", "true",
                "migration.batch-size", "30", "migration.parallelism", "5")).isEqualTo(ExitCode.DONE.code());

        assertThat(logLines()).anyMatch(line -> line.endsWith("No problems detected!"));
        assertThat(keys()).hasSize(400).allMatch(key -> key.startsWith("avatar/"));
    }

    @Test
    void statusListsOnlyThePrefixesAndStopsCountingPastTheLimit() throws Exception {
        insertRows(numberedKeys("image/", 300), true);
        // More objects outside the prefixes than one listing page holds.
        IntStream.rangeClosed(1, 1_200).parallel().forEach(i -> insertObject(LEGACY_BUCKET, "other/" + i, "x"));

        List<String> requests;
        try (FaultInjectingProxy counting = FaultInjectingProxy.tooManyRequestsAt(connection().s3Endpoint(), -1)) {
            for (String limit : List.of("1000000", "100", "0")) {
                assertThat(migrate("migration.s3.endpoint", counting.endpoint(), "migration.mode", "status",
                        "migration.status.max-listed-objects", limit)).isEqualTo(ExitCode.DONE.code());
            }
            requests = counting.requestLines();
        }

        assertThat(requests).filteredOn(line -> line.contains("list-type=2")).isNotEmpty()
                .allMatch(line -> line.contains("prefix=image%2F") || line.contains("prefix=avatar%2F"));
        assertThat(logLines())
                .anyMatch(line -> line.endsWith("* 300 objects in bucket sketch-legacy-s3 under image/"))
                .anyMatch(line -> line.endsWith("* 0 objects in bucket sketch-production-s3 under avatar/"))
                .anyMatch(line -> line.endsWith("* more than 100 objects in bucket sketch-legacy-s3 under image/"))
                .anyMatch(line -> line.endsWith("* objects in bucket sketch-legacy-s3 under image/ not counted"
                        + " (migration.status.max-listed-objects=0)"))
                .filteredOn(line -> line.endsWith("* 300 legacy entries in the database")).hasSize(3);
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "migration.table|no_such_table|Table no_such_table (migration.table) does not exist",
        "migration.table|avatars; DROP TABLE avatars|migration.table is not a plain SQL identifier",
        "migration.key-column|no_such_column|Column no_such_column (migration.key-column) does not exist in table avatars",
        "migration.id-column|id; DROP TABLE avatars|migration.id-column is not a plain SQL identifier",
        "migration.s3.secret-key|not-the-secret|Cannot read bucket sketch-legacy-s3 (migration.source.bucket)",
        "migration.target.bucket|no-such-bucket|Bucket no-such-bucket (migration.target.bucket) does not exist",
        "migration.s3.endpoint|http://127.0.0.1:9|Cannot reach the S3 service",
        "migration.db.url|jdbc:postgresql://127.0.0.1:9/postgres|Cannot connect to the database jdbc:postgresql://127.0.0.1:9/postgres",
        "migration.batch-size|0|migration.batch-size must be between 1 and 10000, not 0",
        "migration.batch-size|-5|migration.batch-size must be between 1 and 10000, not -5",
        "migration.parallelism|0|migration.parallelism must be between 1 and 4096, not 0",
        "migration.s3.http-client|netty|migration.s3.http-client must be one of [crt, apache], not 'netty'",
        "migration.paralelism|64|Unknown setting migration.paralelism (did you mean migration.parallelism?)",
        "prepare.cuont|10|Unknown setting prepare.cuont (did you mean prepare.count?)"})
    void badConfigurationIsOneLineAndExitOneWithNothingWritten(String key, String value, String message) throws Exception {
        insertRows(numberedKeys("image/", 5), true);

        assertRefusedWithOneLine(message, key, value);

        assertNothingWritten();
    }

    @Test
    void secretsAppearInNoLogLineDeadLetterOrError() throws Exception {
        String dbPassword = connection().dbPassword().isEmpty() ? "db-secret-5e2c9a" : connection().dbPassword();
        String wrongSecret = "wrong-secret-9f1e2d";
        insertRows(numberedKeys("image/", 30), true);
        s3.deleteObject(b -> b.bucket(LEGACY_BUCKET).key("image/avatar-3.png"));

        List<String> output;
        try (ConsoleCapture console = new ConsoleCapture()) {
            assertThat(migrate("migration.db.password", dbPassword, "migration.verbose", "true"))
                    .isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());
            assertThat(migrate("migration.db.password", dbPassword, "migration.s3.secret-key", wrongSecret))
                    .isEqualTo(ExitCode.CANNOT_RUN.code());
            output = console.lines();
        }

        List<String> everything = new ArrayList<>(output);
        everything.addAll(logLines());
        deadLetters().forEach(letter -> everything.add(letter.toString()));
        assertThat(everything).hasSizeGreaterThan(50);
        for (String secret : List.of(dbPassword, connection().s3SecretKey(), wrongSecret)) {
            assertThat(everything).noneMatch(line -> line.contains(secret));
        }
    }

    @Test
    void secretsInOddPlacesAppearInNoLineAtAnyLevel() throws Exception {
        String urlPassword = "url-secret-7c4d21";
        String userInfoPassword = "userinfo-secret-3b9e";
        String oddSecret = " odd {{secret}} 5a1 ";
        insertRows(numberedKeys("image/", 5), true);
        Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        Level level = root.getLevel();

        List<String> output;
        try (ConsoleCapture console = new ConsoleCapture()) {
            root.setLevel(Level.DEBUG);
            // The driver cannot parse this URL, and says so through java.util.logging.
            assertThat(migrate("migration.db.url", "jdbc:postgresql://127.0.0.1:notaport/db?password=" + urlPassword))
                    .isEqualTo(ExitCode.CANNOT_RUN.code());
            assertThat(migrate("migration.db.url", "jdbc:postgresql://someone:" + userInfoPassword + "@127.0.0.1:9/db"))
                    .isEqualTo(ExitCode.CANNOT_RUN.code());
            assertThat(migrate("migration.s3.secret-key", oddSecret)).isEqualTo(ExitCode.CANNOT_RUN.code());
            output = console.lines();
        } finally {
            root.setLevel(level);
        }

        List<String> everything = new ArrayList<>(output);
        everything.addAll(logLines());
        assertThat(everything).hasSizeGreaterThan(100);
        for (String secret : List.of(urlPassword, userInfoPassword, oddSecret.strip(), connection().s3SecretKey())) {
            assertThat(everything).noneMatch(line -> line.contains(secret));
        }
    }

    @Test
    void withoutTheUpdatePrivilegeTheJobIsRefusedBeforeAnyWrite() throws Exception {
        insertRows(numberedKeys("image/", 5), true);
        execute("DROP ROLE IF EXISTS reader");
        execute("CREATE ROLE reader LOGIN PASSWORD 'reader-password-1'");
        execute("GRANT SELECT ON avatars TO reader");

        // The test servers' URL names its user: this run's is given apart.
        String url = connection().dbUrl().replaceFirst("\\?.*", "");
        assertRefusedWithOneLine("may not UPDATE column path of table avatars", "migration.db.url", url,
                "migration.db.user", "reader", "migration.db.password", "reader-password-1");

        assertNothingWritten();
    }

    @Test
    void anIdColumnThatIsNotUniqueIsRefused() throws Exception {
        insertRows(numberedKeys("image/", 5), true);
        execute("ALTER TABLE avatars DROP CONSTRAINT avatars_pkey");

        assertRefusedWithOneLine("must be NOT NULL with a unique index");

        assertThat(keys()).allMatch(key -> key.startsWith("image/"));
    }

    @Test
    void anUnwritableDeadLetterDirectoryStopsTheJobBeforeItMigrates() throws Exception {
        insertRows(numberedKeys("image/", 5), true);
        Path notADirectory = Files.writeString(logDir.resolve("not-a-directory"), "x");

        assertRefusedWithOneLine("Cannot write dead letters under", "migration.dead-letter-dir",
                notADirectory.toString());

        assertNothingWritten();
    }

    @Test
    void twoRunsStartedTogetherMigrateOnceAndTheSecondIsRefusedWithNothingWritten() throws Exception {
        insertRows(numberedKeys("image/", 500), true);

        List<Integer> exits = new ArrayList<>();
        List<List<String>> consoles = new ArrayList<>();
        List<String> requests;
        try (FaultInjectingProxy slow = FaultInjectingProxy.delayRequestsContaining(connection().s3Endpoint(), "/", 10)) {
            Map<String, String> job = settings("migration.s3.endpoint", slow.endpoint(), "migration.parallelism", "4");
            List<Process> runs = List.of(startJob("first.txt", job), startJob("second.txt", job));
            for (int i = 0; i < runs.size(); i++) {
                assertThat(runs.get(i).waitFor(2, TimeUnit.MINUTES)).isTrue();
                exits.add(runs.get(i).exitValue());
                consoles.add(Files.readAllLines(logDir.resolve(i == 0 ? "first.txt" : "second.txt")));
            }
            requests = slow.requestLines();
        }

        assertThat(exits).containsExactlyInAnyOrder(ExitCode.DONE.code(), ExitCode.LOCKED.code());
        List<String> winner = consoles.get(exits.indexOf(ExitCode.DONE.code()));
        List<String> refused = consoles.get(exits.indexOf(ExitCode.LOCKED.code()));
        String runId = winner.stream().filter(line -> line.startsWith("Migrating legacy data (run ")).findFirst()
                .orElseThrow().replaceAll(".*\\(run ([^,]+),.*", "$1");
        assertThat(refused).filteredOn(line -> line.startsWith("ERROR: ")).singleElement()
                .satisfies(line -> assertThat(line).contains("Another run of this migration is in progress",
                        "(run " + runId + " on "));
        assertThat(refused).noneMatch(line -> line.startsWith("Checking S3 write permissions"));
        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
        // Every object copied once: the second run wrote nothing.
        assertThat(requests).filteredOn(line -> line.startsWith("PUT /sketch-production-s3/avatar/avatar-")).hasSize(500);
    }

    @Test
    void metricsAreServedWhileTheRunGoesAndEndAtTheSummarysCounts() throws Exception {
        insertRows(numberedKeys("image/", 1_000), true);
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        HttpClient http = HttpClient.newHttpClient();
        List<String> scrapes = new ArrayList<>();
        boolean healthy = false;

        Process job;
        try (FaultInjectingProxy slow = FaultInjectingProxy.delayRequestsContaining(connection().s3Endpoint(), "/", 10)) {
            job = startJob("console.txt", settings("migration.s3.endpoint", slow.endpoint(), "migration.parallelism",
                    "4", "migration.metrics-port", Integer.toString(port), "migration.metrics-linger-seconds", "3"));
            while (job.isAlive()) {
                try {
                    scrapes.add(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/observe/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body());
                    healthy |= http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/observe/health")).build(), HttpResponse.BodyHandlers.ofString()).body().contains("UP");
                } catch (IOException notServingYetOrAnymore) {
                    // before the routes start, after the job ends
                }
                Thread.sleep(200);
            }
        }

        assertThat(job.exitValue()).isEqualTo(ExitCode.DONE.code());
        assertThat(healthy).isTrue();
        assertThat(scrapes).anyMatch(scrape -> {
            double updated = meter(scrape, "migration_rows_updated_total");
            return updated > 0 && updated < 1_000;
        });
        String last = scrapes.get(scrapes.size() - 1);
        assertThat(Files.readAllLines(logDir.resolve("console.txt"))).anyMatch(line -> line.startsWith(
                "Migration finished after") && line.contains(": 1000 files copied, 0 already present, 1000 rows updated,"
                + " 0 rows changed meanwhile, 0 dead letters"));
        assertThat(meter(last, "migration_rows_updated_total")).isEqualTo(1_000);
        assertThat(meter(last, "migration_objects_copied_total")).isEqualTo(1_000);
        assertThat(meter(last, "migration_objects_already_present_total")).isZero();
        assertThat(meter(last, "migration_dead_letters_total")).isZero();
        assertThat(meter(last, "migration_slowdowns_total")).isZero();
        assertThat(meter(last, "migration_legacy_rows_left")).isZero();
    }

    /** A meter's value in Prometheus text; NaN when absent. */
    private static double meter(String scrape, String name) {
        return scrape.lines().filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).findFirst()
                .orElse(Double.NaN);
    }

    @Test
    void forALogCollectorTheConsoleIsJsonAndNoLogFileIsWritten() throws Exception {
        insertRows(numberedKeys("image/", 20), true);

        Process job = startJob("console.txt", settings("migration.log-format", "json", "migration.log-dir", ""));
        assertThat(job.waitFor(2, TimeUnit.MINUTES)).isTrue();

        assertThat(job.exitValue()).as(Files.readString(logDir.resolve("console.txt"))).isEqualTo(ExitCode.DONE.code());
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(logDir.resolve("console.txt"))) {
            if (!line.isBlank()) {
                lines.add(json.readTree(line));
            }
        }
        assertThat(lines).extracting(line -> line.get("formattedMessage").asText())
                .contains("* 0 legacy entries in the database");
        try (Stream<Path> files = Files.list(logDir)) {
            assertThat(files).noneMatch(file -> file.getFileName().toString().startsWith("migration-"));
        }
    }

    /** No row points at the target prefix and no object is in the target bucket. */
    void assertNothingWritten() throws SQLException {
        assertThat(keys()).allMatch(key -> key.startsWith("image/"));
        assertThat(objectKeys(PRODUCTION_BUCKET)).isEmpty();
    }

    record Terminal(int exitCode, String output) {
    }

    /** Runs the job in its own JVM on a pseudo-terminal (util-linux script), typing the answers. */
    Terminal migrateInTerminal(String answers) throws Exception {
        String shellCommand = javaCommand(settings("migration.assume-yes", "false")).stream().map(arg -> "'" + arg.replace("'", "'\\''") + "'")
                .collect(Collectors.joining(" "));
        Process process = new ProcessBuilder("script", "-q", "-e", "-c", shellCommand, "/dev/null")
                .redirectErrorStream(true).start();
        process.getOutputStream().write(answers.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        return new Terminal(process.exitValue(), output);
    }
}
