package io.github.s3migration;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One migration split into shards, each a JVM of its own as a pod of the Kubernetes Indexed Job would be
 * (deploy/kubernetes/migration-job.yaml): the plan, shards side by side, a shard killed and run again, and the locks
 * that keep two processes off one shard and an unsharded run off a sharded one.
 */
abstract class ShardScenarios extends ScenarioSupport {

    private static final Path MANIFEST = Path.of("deploy", "kubernetes", "migration-job.yaml");

    /** Rows 1 to n: every 5th a production row, every 51st an unexpected one, the others legacy; each with its object. */
    private List<String> insertMixedRows(int rows) throws Exception {
        List<String> keys = IntStream.rangeClosed(1, rows).mapToObj(i -> i % 51 == 0 ? "misc/avatar-" + i + ".png"
                : i % 5 == 0 ? "avatar/avatar-" + i + ".png" : "image/avatar-" + i + ".png").toList();
        insertRows(keys, true);
        return keys;
    }

    private static List<String> migrated(List<String> keys) {
        return keys.stream().map(key -> key.startsWith("image/") ? "avatar/" + key.substring("image/".length()) : key)
                .toList();
    }

    @Test
    void theManifestsThreeShardsStartedTogetherMigrateEveryRowWithOneCopyEach() throws Exception {
        List<String> keys = insertMixedRows(1_530);
        long legacy = keys.stream().filter(key -> key.startsWith("image/")).count();
        Path planned = logDir.resolve("migration-job.planned.yaml");

        try (ConsoleCapture console = new ConsoleCapture()) {
            assertThat(migrate("migration.mode", "plan", "migration.shard.count", "3", "migration.plan.manifest",
                    MANIFEST.toString(), "migration.plan.manifest-out", planned.toString()))
                    .isEqualTo(ExitCode.DONE.code());
            assertThat(console.lines()).containsSubsequence("MIGRATION_SHARD_COUNT=3", "MIGRATION_SHARD_ID_MIN=1",
                    "MIGRATION_SHARD_ID_MAX=1530");
        }
        KubernetesManifest manifest = KubernetesManifest.read(planned);
        assertThat(manifest.completions()).isEqualTo(3);

        List<Integer> exits = new ArrayList<>();
        List<String> requests;
        try (FaultInjectingProxy counting = FaultInjectingProxy.delayRequestsContaining(connection().s3Endpoint(), "/",
                0)) {
            List<Process> pods = new ArrayList<>();
            for (int index = 0; index < 3; index++) {
                pods.add(startPod(manifest, index, counting.endpoint()));
            }
            for (Process pod : pods) {
                assertThat(pod.waitFor(3, TimeUnit.MINUTES)).isTrue();
                exits.add(pod.exitValue());
            }
            requests = counting.requestLines();
        }

        assertThat(exits).containsExactly(0, 0, 0);
        assertThat(keys()).containsExactlyElementsOf(migrated(keys));
        assertThat(objectKeys(PRODUCTION_BUCKET)).containsAll(migrated(keys).stream()
                .filter(key -> key.startsWith("avatar/")).toList());
        assertThat(deadLetters()).isEmpty();
        // No row copied by two shards: one CopyObject per legacy row.
        assertThat(requests).filteredOn(line -> line.startsWith("PUT /" + PRODUCTION_BUCKET + "/avatar/avatar-"))
                .hasSize((int) legacy);
        // Each shard counted its own slice's rows and listed no bucket.
        List<String> consoles = new ArrayList<>();
        for (int index = 0; index < 3; index++) {
            consoles.addAll(Files.readAllLines(logDir.resolve("pod-" + index + ".txt")));
        }
        assertThat(consoles).contains("Current data status of shard 0 of 3 (ids up to 510):",
                "Current data status of shard 1 of 3 (ids 511 to 1020):",
                "Current data status of shard 2 of 3 (ids from 1021 on):");
        assertThat(consoles).noneMatch(line -> line.matches("\\* \\d+ objects in bucket .*"));
    }

    /**
     * A shard's JVM as its pod runs it: the image's profile, the planned manifest's environment, the Secret's
     * connection variables and its completion index. What differs from a pod: the volumes are directories here, and the
     * metrics port is one of its own (pods each have their own address; processes here share one).
     */
    private Process startPod(KubernetesManifest manifest, int index, String s3Endpoint) throws IOException {
        Map<String, String> environment = new LinkedHashMap<>(manifest.environment());
        ConnectionSettings connection = connection();
        environment.putAll(Map.of(
                "MIGRATION_DB_URL", connection.dbUrl(),
                "MIGRATION_DB_USER", connection.dbUser(),
                "MIGRATION_DB_PASSWORD", connection.dbPassword(),
                "MIGRATION_S3_ENDPOINT", s3Endpoint,
                "MIGRATION_S3_REGION", connection.s3Region(),
                "MIGRATION_S3_ACCESS_KEY", connection.s3AccessKey(),
                "MIGRATION_S3_SECRET_KEY", connection.s3SecretKey(),
                "MIGRATION_S3_PATH_STYLE", "true"));
        environment.put("JOB_COMPLETION_INDEX", Integer.toString(index));
        environment.put("MIGRATION_DEAD_LETTER_DIR", deadLetterDir.toString());
        environment.put("MIGRATION_OUTCOME_DIR", outcomeDir.toString());
        environment.put("MIGRATION_LOG_DIR", logDir.toString());
        environment.put("MIGRATION_METRICS_PORT", Integer.toString(freePort()));
        ProcessBuilder pod = new ProcessBuilder(JavaCommand.of(JavaCommand.projectJvmOptions(),
                Map.of("camel.main.profile", "prod"), MigrationApplication.class.getName()))
                .redirectErrorStream(true).redirectOutput(logDir.resolve("pod-" + index + ".txt").toFile());
        pod.environment().putAll(environment);
        return pod.start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** The properties of shard {@code index} of a plan over ids 1 to {@code idMax}, then the given ones. */
    private Map<String, String> shard(int index, int count, int idMax, String... keyValues) {
        Map<String, String> properties = settings(keyValues);
        properties.putAll(Map.of("migration.shard.count", Integer.toString(count), "migration.shard.index",
                Integer.toString(index), "migration.shard.id-min", "1", "migration.shard.id-max",
                Integer.toString(idMax)));
        return properties;
    }

    @Test
    void aShardKilledMidRunThenRunAgainAloneCompletesItsSliceAndTouchesNoOtherRow() throws Exception {
        List<String> legacy = numberedKeys("image/", 3_000);
        insertRows(legacy, true);

        try (FaultInjectingProxy slow = FaultInjectingProxy.delayRequestsContaining(connection().s3Endpoint(), "/", 10)) {
            Process job = new ProcessBuilder(javaCommand(shard(1, 3, 3_000, "migration.s3.endpoint", slow.endpoint(),
                    "migration.parallelism", "8", "migration.batch-size", "50")))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            await().atMost(Duration.ofMinutes(1)).until(() -> rowsUnder("avatar/") >= 100);
            job.destroyForcibly().waitFor();
        }
        assertThat(rowsUnder("avatar/")).isLessThan(1_000);

        assertThat(MigrationApplication.run(shard(1, 3, 3_000))).isEqualTo(ExitCode.DONE.code());

        // Shard 1 of 3 over ids 1 to 3,000 is ids 1,001 to 2,000.
        List<String> expected = IntStream.range(0, legacy.size()).mapToObj(i -> i >= 1_000 && i < 2_000
                ? migrated(List.of(legacy.get(i))).get(0) : legacy.get(i)).toList();
        assertThat(keys()).containsExactlyElementsOf(expected);
        assertThat(objectKeys(PRODUCTION_BUCKET)).containsExactlyInAnyOrderElementsOf(
                expected.stream().filter(key -> key.startsWith("avatar/")).toList());
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void aSecondProcessOnARunningShardAndAnUnshardedRunAreRefusedWhileAnotherShardRunsBeside() throws Exception {
        insertRows(numberedKeys("image/", 1_000), true);

        try (FaultInjectingProxy slow = FaultInjectingProxy.delayRequestsContaining(connection().s3Endpoint(), "/", 20)) {
            Process first = startJob("shard-0.txt", shard(0, 2, 1_000, "migration.s3.endpoint", slow.endpoint(),
                    "migration.parallelism", "4"));
            await().atMost(Duration.ofMinutes(1)).until(() -> rowsUnder("avatar/") >= 20);
            List<String> before = keys();

            try (ConsoleCapture console = new ConsoleCapture()) {
                assertThat(MigrationApplication.run(shard(0, 2, 1_000))).isEqualTo(ExitCode.LOCKED.code());
                assertThat(console.lines()).filteredOn(line -> line.startsWith("ERROR: ")).singleElement()
                        .satisfies(line -> assertThat(line).containsPattern("Shard 0 of this migration is running"
                                + " already \\(run \\d{8}-\\d{6}-[0-9a-f]{4}-s0 on [^)]+\\): this one wrote nothing"));
            }
            try (ConsoleCapture console = new ConsoleCapture()) {
                assertThat(migrate()).isEqualTo(ExitCode.LOCKED.code());
                assertThat(console.lines()).filteredOn(line -> line.startsWith("ERROR: ")).singleElement()
                        .satisfies(line -> assertThat(line).containsPattern("Another run of this migration is in"
                                + " progress \\(run \\d{8}-\\d{6}-[0-9a-f]{4}-s0 on [^)]+\\)"));
            }
            // The refused runs wrote nothing: no outcome records of their own, and the rows of shard 1 are as they were.
            assertThat(outcomeFiles()).hasSize(1);
            assertThat(keys().subList(500, 1_000)).isEqualTo(before.subList(500, 1_000));

            // The other shard runs beside the first.
            assertThat(MigrationApplication.run(shard(1, 2, 1_000))).isEqualTo(ExitCode.DONE.code());
            assertThat(first.waitFor(3, TimeUnit.MINUTES)).isTrue();
            assertThat(first.exitValue()).isEqualTo(ExitCode.DONE.code());
        }
        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));

        // And while an unsharded run holds the migration, a shard is refused.
        try (FaultInjectingProxy slow = FaultInjectingProxy.delayRequestsContaining(connection().s3Endpoint(), "/", 20)) {
            execute("UPDATE avatars SET path = replace(path, 'avatar/', 'image/')");
            Process unsharded = startJob("unsharded.txt", settings("migration.s3.endpoint", slow.endpoint(),
                    "migration.parallelism", "4", "migration.skip-existing", "false"));
            await().atMost(Duration.ofMinutes(1)).until(() -> rowsUnder("avatar/") >= 20);
            try (ConsoleCapture console = new ConsoleCapture()) {
                assertThat(MigrationApplication.run(shard(1, 2, 1_000))).isEqualTo(ExitCode.LOCKED.code());
                assertThat(console.lines()).filteredOn(line -> line.startsWith("ERROR: ")).singleElement()
                        .satisfies(line -> assertThat(line).contains("An unsharded run of this migration is in progress"));
            }
            assertThat(unsharded.waitFor(3, TimeUnit.MINUTES)).isTrue();
            assertThat(unsharded.exitValue()).isEqualTo(ExitCode.DONE.code());
        }
    }

    @Test
    void wherePlainSlicesWouldLeaveAShardWithoutWorkThePlanCutsTheIdsAtEqualSharesAndTheShardsFollowIt()
            throws Exception {
        // Ids 1 to 100 migrated long ago, 101 to 140 legacy: equal slices of 1 to 140 would give shard 1 every row.
        List<String> keys = new ArrayList<>(numberedKeys("avatar/", 100));
        keys.addAll(numberedKeys("image/", 140).subList(100, 140));
        insertRows(keys, true);

        try (ConsoleCapture console = new ConsoleCapture()) {
            assertThat(migrate("migration.mode", "plan", "migration.shard.count", "2")).isEqualTo(ExitCode.DONE.code());
            assertThat(console.lines()).containsSubsequence("* shard 0 of 2 (ids up to 70): 0 legacy rows",
                    "* shard 1 of 2 (ids from 71 on): 40 legacy rows",
                    "* shard 0 of 2 (ids up to 120): 20 legacy rows", "* shard 1 of 2 (ids from 121 on): 20 legacy rows",
                    "MIGRATION_SHARD_BOUNDS=121");
        }
        assertThat(MigrationApplication.run(shard(0, 2, 140, "migration.shard.bounds", "121")))
                .isEqualTo(ExitCode.DONE.code());

        assertThat(keys().subList(100, 120)).allMatch(key -> key.startsWith("avatar/"));
        assertThat(keys().subList(120, 140)).allMatch(key -> key.startsWith("image/"));
    }

    @Test
    void aShardsStatusDryRunAndReplayStayInsideItsSlice() throws Exception {
        List<String> legacy = numberedKeys("image/", 40);
        insertRows(legacy, true);
        // Rows 5, 10, ..., 40 have no object: dead letters in both slices once both shards ran.
        List<Integer> missing = IntStream.iterate(5, id -> id <= 40, id -> id + 5).boxed().toList();
        for (int id : missing) {
            s3.deleteObject(b -> b.bucket(LEGACY_BUCKET).key("image/avatar-" + id + ".png"));
        }

        try (ConsoleCapture console = new ConsoleCapture()) {
            assertThat(MigrationApplication.run(shard(1, 2, 40, "migration.dry-run", "true")))
                    .isEqualTo(ExitCode.DONE.code());
            assertThat(console.lines()).contains("Current data status of shard 1 of 2 (ids from 21 on):",
                    "* 20 legacy entries in the database", "* 20 total entries in the database",
                    "* objects in bucket " + LEGACY_BUCKET + " under image/ not counted (a shard counts the rows of its"
                            + " slice only)",
                    "Dry run: 20 legacy rows would be migrated; nothing was written");
        }
        assertThat(MigrationApplication.run(shard(0, 2, 40))).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());
        assertThat(MigrationApplication.run(shard(1, 2, 40))).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());
        assertThat(deadLetters()).hasSize(missing.size());

        for (int id : missing) {
            insertObject(LEGACY_BUCKET, "image/avatar-" + id + ".png", "found again");
        }
        try (ConsoleCapture console = new ConsoleCapture()) {
            assertThat(MigrationApplication.run(shard(0, 2, 40, "migration.mode", "replay")))
                    .isEqualTo(ExitCode.DONE.code());
            assertThat(console.lines()).anyMatch(line -> line.startsWith("Replaying 4 dead letters"));
        }
        // Shard 0's rows are done; shard 1's letters wait for its own replay.
        assertThat(keys().subList(0, 20)).allMatch(key -> key.startsWith("avatar/"));
        assertThat(keys().subList(20, 40)).filteredOn(key -> key.startsWith("image/")).hasSize(4);
        assertThat(deadLetters()).hasSize(4);
    }
}
