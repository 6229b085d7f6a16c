package io.github.s3migration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Faults injected on purpose: S3 errors, resets, hung and slow requests and rate limits through a fault-injecting
 * proxy, a database outage and a row lock, a schema change mid-run, the job's JVM interrupted, terminated or killed,
 * a replay of 200,000 dead letters in a small heap. Tagged chaos: {@code -DexcludedGroups=chaos} leaves them out.
 */
@Tag("chaos")
abstract class ResilienceScenarios extends ScenarioSupport {

    @ParameterizedTest(name = "migration.s3.http-client={0}")
    @ValueSource(strings = {"crt", "apache"})
    void transientS3FailuresAreRetriedAndNothingIsDeadLettered(String httpClient) throws Exception {
        List<String> legacy = numberedKeys("image/", 150);
        insertRows(legacy, true);
        try (FaultInjectingProxy proxy = FaultInjectingProxy.slowDownsAndResets(connection().s3Endpoint(), 4, 11)) {
            int exitCode = migrate("migration.s3.endpoint", proxy.endpoint(), "migration.s3.http-client", httpClient,
                    "migration.retry.initial-delay-ms", "10", "migration.slowdown-pause-ms", "20");

            assertThat(exitCode).isEqualTo(ExitCode.DONE.code());
            assertThat(proxy.slowDownsAnswered()).isGreaterThan(10);
            assertThat(proxy.connectionsReset()).isGreaterThan(5);
        }
        assertEveryRowMigratedWithoutDeadLetters(150);
    }

    @Test
    void randomS3FaultsOnTenThousandRowsLoseNothing() throws Exception {
        insertRows(numberedKeys("image/", 10_000), true);

        try (FaultInjectingProxy proxy = FaultInjectingProxy.randomFaults(connection().s3Endpoint(), 5, 0.10, 0.02,
                0.01, 3_000)) {
            int exitCode = migrate("migration.s3.endpoint", proxy.endpoint(), "migration.s3.timeout-seconds", "1",
                    "migration.parallelism", "64", "migration.retry.initial-delay-ms", "20",
                    "migration.slowdown-pause-ms", "20");

            System.out.printf("Random S3 faults: %d SlowDown answers, %d connections reset, %d requests hung%n",
                    proxy.slowDownsAnswered(), proxy.connectionsReset(), proxy.requestsHung());
            assertThat(exitCode).isEqualTo(ExitCode.DONE.code());
            assertThat(proxy.slowDownsAnswered()).isGreaterThan(1_000);
            assertThat(proxy.connectionsReset()).isGreaterThan(200);
            assertThat(proxy.requestsHung()).isGreaterThan(100);
        }
        assertEveryRowMigratedWithoutDeadLetters(10_000);
    }

    @Test
    void requestRateLimitHoldsInEverySlidingSecondForEveryRequest() throws Exception {
        // One object request per row (a copy: the existence check, on by default, lists each page's keys instead),
        // and the pre-flight, the endpoints' own bucket checks and the status listings before and after: all count.
        insertRows(numberedKeys("image/", 250), true);

        List<Long> arrivals;
        try (FaultInjectingProxy counting = FaultInjectingProxy.tooManyRequestsAt(connection().s3Endpoint(), -1)) {
            assertThat(migrate("migration.s3.endpoint", counting.endpoint(), "migration.max-requests-per-second", "50",
                    "migration.parallelism", "16", "migration.skip-existing", "false")).isEqualTo(ExitCode.DONE.code());
            arrivals = counting.allRequestArrivals();
        }

        int busiestSecond = busiestSecond(arrivals);
        System.out.printf("Rate limit 50/s: %d requests, at most %d in any sliding second%n", arrivals.size(), busiestSecond);
        assertThat(arrivals).hasSizeGreaterThan(250 + 6);
        assertThat(busiestSecond).isBetween(40, 51);
    }

    /** The most requests that arrived within any one second. */
    private static int busiestSecond(List<Long> arrivals) {
        List<Long> sorted = arrivals.stream().sorted().toList();
        int busiest = 0;
        int first = 0;
        for (int last = 0; last < sorted.size(); last++) {
            while (sorted.get(last) - sorted.get(first) >= 1_000_000_000L) {
                first++;
            }
            busiest = Math.max(busiest, last - first + 1);
        }
        return busiest;
    }

    @Test
    void aSlowCopyHoldsOnlyItsOwnRow() throws Exception {
        insertRows(numberedKeys("image/", 600), true);
        List<String> held = List.of("/avatar-50.png", "/avatar-250.png", "/avatar-450.png");
        int holdMillis = 20_000;

        try (FaultInjectingProxy proxy = FaultInjectingProxy.holdFirstRequestContaining(connection().s3Endpoint(), held,
                holdMillis)) {
            ExecutorService job = Executors.newSingleThreadExecutor();
            // The attempt limit is longer than the hold: these copies wait for their answer.
            Future<Integer> run = job.submit(() -> migrate("migration.s3.endpoint", proxy.endpoint(),
                    "migration.s3.attempt-timeout-floor-ms", "60000", "migration.parallelism", "16"));

            await().atMost(Duration.ofSeconds(15)).until(() -> rowsUnder("image/") == held.size());
            long heldFor = System.nanoTime() - proxy.lastFaultNanos();
            assertThat(keys()).filteredOn(key -> key.startsWith("image/"))
                    .containsExactlyInAnyOrder("image/avatar-50.png", "image/avatar-250.png", "image/avatar-450.png");
            assertThat(heldFor).as("every other row was updated while the three copies were held")
                    .isLessThan(TimeUnit.MILLISECONDS.toNanos(holdMillis));
            assertThat(run.get(1, TimeUnit.MINUTES)).isEqualTo(ExitCode.DONE.code());
            job.shutdown();
        }
        assertEveryRowMigratedWithoutDeadLetters(600);
    }

    @Test
    void aHungCopyIsCutOffAndRetriedLongBeforeTheRequestTimeout() throws Exception {
        insertRows(numberedKeys("image/", 300), true);

        long start = System.nanoTime();
        try (FaultInjectingProxy proxy = FaultInjectingProxy.holdFirstRequestContaining(connection().s3Endpoint(),
                List.of("/avatar-7.png", "/avatar-150.png"), 60_000)) {
            assertThat(migrate("migration.s3.endpoint", proxy.endpoint(), "migration.s3.attempt-timeout-floor-ms", "500"))
                    .isEqualTo(ExitCode.DONE.code());
        }

        // The requests hang for 60 s and the whole-request limit is 120 s.
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(40));
        assertEveryRowMigratedWithoutDeadLetters(300);
        assertThat(logLines()).anyMatch(line -> line.matches(".*S3 answered SlowDown or Too Many Requests 0 times.*; "
                + "([2-9]|\\d\\d+) S3 attempts far slower than usual were cut off and retried"));
    }

    @Test
    void tooManyRequestsHoldsEveryThreadBackThenTheRunRecovers() throws Exception {
        insertRows(numberedKeys("image/", 200), true);

        try (FaultInjectingProxy proxy = FaultInjectingProxy.tooManyRequestsAt(connection().s3Endpoint(), 30)) {
            assertThat(migrate("migration.s3.endpoint", proxy.endpoint(), "migration.parallelism", "8",
                    "migration.slowdown-pause-ms", "1500")).isEqualTo(ExitCode.DONE.code());
            long fault = proxy.lastFaultNanos();
            // Requests already past the gate may still arrive just after the 429; none may start during the pause.
            long duringPause = proxy.objectRequestArrivals().stream()
                    .filter(arrival -> arrival > fault + 200_000_000L && arrival < fault + 1_400_000_000L).count();
            long afterPause = proxy.objectRequestArrivals().stream().filter(arrival -> arrival > fault + 1_400_000_000L)
                    .count();
            System.out.printf("429 pause: %d object requests during the pause, %d after it%n", duringPause, afterPause);
            assertThat(duringPause).isZero();
            assertThat(afterPause).isGreaterThan(50);
        }
        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void databaseOutageMidRunNeverLeavesARowPointingAtAMissingObject() throws Exception {
        insertRows(numberedKeys("image/", 3_000), true);
        AtomicBoolean running = new AtomicBoolean(true);
        List<String> violations = new CopyOnWriteArrayList<>();
        AtomicInteger checks = new AtomicInteger();
        Set<String> confirmed = new HashSet<>();
        Thread checker = new Thread(() -> {
            while (running.get()) {
                try {
                    // Rows first, then their objects: objects are only ever added, so an object missing now was
                    // missing when the row was read. Each row is confirmed once.
                    for (String key : keys()) {
                        if (key.startsWith("avatar/") && !confirmed.contains(key)) {
                            if (objectExists(PRODUCTION_BUCKET, key)) {
                                confirmed.add(key);
                            } else {
                                violations.add(key);
                            }
                        }
                    }
                    checks.incrementAndGet();
                } catch (SQLException e) {
                    // the database is down: nothing to check
                } catch (RuntimeException e) {
                    violations.add("the checker failed: " + e);
                    return;
                }
            }
        });
        checker.start();
        int exitCode;
        try (FaultInjectingProxy slow = FaultInjectingProxy.delayRequestsContaining(connection().s3Endpoint(), "/", 20)) {
            ExecutorService job = Executors.newSingleThreadExecutor();
            Future<Integer> run = job.submit(() -> migrate("migration.s3.endpoint", slow.endpoint(),
                    "migration.parallelism", "8", "migration.batch-size", "50"));
            await().atMost(Duration.ofMinutes(1)).until(() -> rowsUnder("avatar/") > 200);
            takeDatabaseDown(Duration.ofSeconds(10));
            exitCode = run.get(5, TimeUnit.MINUTES);
            job.shutdown();
        }
        int reRun = exitCode == ExitCode.DONE.code() ? exitCode : migrate();
        running.set(false);
        checker.join();

        System.out.printf("Database outage: first run exited %d, re-run %s, %d consistency checks%n", exitCode,
                exitCode == ExitCode.DONE.code() ? "not needed" : "exited " + reRun, checks.get());
        assertThat(exitCode).isIn(ExitCode.DONE.code(), ExitCode.CANNOT_RUN.code());
        assertThat(reRun).isEqualTo(ExitCode.DONE.code());
        assertThat(violations).isEmpty();
        assertThat(checks.get()).isGreaterThan(10);
        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
        assertThat(objectKeys(PRODUCTION_BUCKET)).containsAll(keys());
    }

    @Test
    void ctrlCStopsHandingOutRowsFinishesTheBatchesInFlightAndExits130() throws Exception {
        insertRows(numberedKeys("image/", 3_000), true);
        Path output = logDir.resolve("console.txt");

        try (FaultInjectingProxy slow = FaultInjectingProxy.delayRequestsContaining(connection().s3Endpoint(), "/", 10)) {
            Process job = startJob("console.txt", settings("migration.s3.endpoint", slow.endpoint(),
                    "migration.parallelism", "8", "migration.batch-size", "50"));
            await().atMost(Duration.ofMinutes(1)).until(() -> rowsUnder("avatar/") >= 100);
            new ProcessBuilder("kill", "-INT", Long.toString(job.pid())).start().waitFor();
            assertThat(job.waitFor(1, TimeUnit.MINUTES)).isTrue();
            assertThat(job.exitValue()).isEqualTo(ExitCode.INTERRUPTED.code());
        }

        List<String> console = Files.readAllLines(output);
        assertThat(console).contains("Stopping: no more rows are handed out; finishing the rows in flight");
        List<String> production = keys().stream().filter(key -> key.startsWith("avatar/")).toList();
        assertThat(production).hasSizeLessThan(3_000);
        assertThat(objectKeys(PRODUCTION_BUCKET)).containsAll(production);
        assertThat(console).anyMatch(line -> line.startsWith("Migration stopped after")
                && line.contains(" " + production.size() + " rows updated"));
        assertThat(migrate()).isEqualTo(ExitCode.DONE.code());
        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
    }

    @Test
    void killedFiveTimesThenReRunCompletesTheJob() throws Exception {
        List<String> legacy = numberedKeys("image/", 3_000);
        insertRows(legacy, true);
        Random random = new Random(9);
        List<Long> migratedAtEachKill = new ArrayList<>();
        try (FaultInjectingProxy slow = FaultInjectingProxy.delayRequestsContaining(connection().s3Endpoint(), "/", 10)) {
            for (int kill = 0; kill < 5; kill++) {
                Process job = new ProcessBuilder(javaCommand(settings("migration.s3.endpoint", slow.endpoint(),
                        "migration.parallelism", "8", "migration.batch-size", "50")))
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                Thread.sleep(3_000 + random.nextInt(5_000));
                job.destroyForcibly().waitFor();
                migratedAtEachKill.add(rowsUnder("avatar/"));
            }
        }
        System.out.println("kill -9: rows migrated when each kill struck: " + migratedAtEachKill);

        assertThat(migrate()).isEqualTo(ExitCode.DONE.code());

        List<String> expected = legacy.stream().map(key -> "avatar/" + key.substring("image/".length())).toList();
        assertThat(keys()).containsExactlyElementsOf(expected);
        assertThat(objectKeys(PRODUCTION_BUCKET)).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(deadLetters()).isEmpty();
        // Each killed run left whole records, and each says of its row what the database says. (A kill between a
        // batch's update and its records leaves that batch without records: at most a batch per update thread.)
        List<JsonNode> updated = new ArrayList<>();
        for (Path file : outcomeFiles()) {
            records(file).stream().filter(record -> record.get("updated").asBoolean()).forEach(updated::add);
        }
        assertThat(updated).hasSizeGreaterThanOrEqualTo(legacy.size() - 5 * 2 * 50)
                .allSatisfy(record -> assertThat(record.get("newKey").asText())
                        .isEqualTo(expected.get(record.get("id").asInt() - 1)))
                .extracting(record -> record.get("id").asLong()).doesNotHaveDuplicates();
    }

    @Test
    void aRowLockedByTheApplicationIsDeadLetteredNamingTheLockAndTheOthersMigrate() throws Exception {
        insertRows(numberedKeys("image/", 20), true);

        try (Connection holder = db.getConnection(); Statement lock = holder.createStatement()) {
            holder.setAutoCommit(false);
            lock.execute("SELECT * FROM avatars WHERE id = 7 FOR UPDATE");
            long start = System.nanoTime();
            assertThat(migrate("migration.db.lock-timeout-ms", "300", "migration.retry.max-total-seconds", "2",
                    "migration.retry.initial-delay-ms", "50")).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());
            // The lock is held for as long as the test runs: the run ends by itself all the same.
            assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(60));
            holder.rollback();
        }

        assertThat(deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.get("rowId").asLong()).isEqualTo(7);
            assertThat(letter.get("errorMessage").asText()).contains("lock timeout");
        });
        assertThat(keys()).filteredOn(key -> key.startsWith("image/")).containsExactly("image/avatar-7.png");
    }

    @Test
    void aColumnRenamedMidRunEndsTheRunWithOneLineAndExitTwo() throws Exception {
        insertRows(numberedKeys("image/", 600), true);

        try (FaultInjectingProxy slow = FaultInjectingProxy.delayRequestsContaining(connection().s3Endpoint(), "/", 20)) {
            ExecutorService job = Executors.newSingleThreadExecutor();
            Future<Integer> run = job.submit(() -> migrate("migration.s3.endpoint", slow.endpoint(),
                    "migration.parallelism", "4", "migration.batch-size", "20"));
            await().atMost(Duration.ofMinutes(1)).until(() -> rowsUnder("avatar/") >= 40);
            execute("ALTER TABLE avatars RENAME COLUMN path TO renamed_path");
            assertThat(run.get(2, TimeUnit.MINUTES)).isEqualTo(ExitCode.LEGACY_ROWS_LEFT.code());
            job.shutdown();
        }

        assertThat(logLines()).filteredOn(line -> line.contains("ERROR: polling the legacy rows failed")).singleElement()
                .satisfies(line -> assertThat(line).contains("column \"path\" does not exist"));
        execute("ALTER TABLE avatars RENAME COLUMN renamed_path TO path");
        assertThat(objectKeys(PRODUCTION_BUCKET))
                .containsAll(keys().stream().filter(key -> key.startsWith("avatar/")).toList());
    }

    @Test
    void aListingThatFailsOnceIsRetriedByStatusAndVerify() throws Exception {
        insertRows(numberedKeys("avatar/", 2_500), true);

        for (String mode : List.of("status", "verify")) {
            try (FaultInjectingProxy proxy = FaultInjectingProxy.slowDownAtListing(connection().s3Endpoint(), 3)) {
                assertThat(migrate("migration.s3.endpoint", proxy.endpoint(), "migration.mode", mode))
                        .isEqualTo(ExitCode.DONE.code());
                assertThat(proxy.slowDownsAnswered()).isEqualTo(1);
            }
        }
        assertThat(logLines())
                .anyMatch(line -> line.endsWith("* 2500 objects in bucket sketch-production-s3 under avatar/"))
                .anyMatch(line -> line.endsWith("2500 production rows checked against bucket sketch-production-s3: 0"
                        + " point at a missing object"));
    }

    @Test
    void replayPagesThroughTwoHundredThousandDeadLettersInASmallHeap() throws Exception {
        // 200,000 letters: 1,000 of their rows still legacy, the others migrated since (their letters are stale).
        int letters = 200_000;
        List<String> keys = IntStream.rangeClosed(1, letters).mapToObj(i -> (i % 200 == 0 ? "image/" : "avatar/")
                + "avatar-" + i + ".png").toList();
        dataset().insertRows(keys);
        dataset().uploadObjects(keys.stream().filter(key -> key.startsWith("image/")).toList(), 3);
        Path directory = Files.createDirectories(deadLetterDir.resolve("avatars/path/image%2F"));
        for (int id = 1; id <= letters; id++) {
            Files.writeString(directory.resolve(id + ".json"), "{\"rowId\":" + id + ",\"attempts\":1}");
        }

        Path output = logDir.resolve("replay.txt");
        Process job = startJob("replay.txt", List.of("-Xmx256m"), settings("migration.mode", "replay"));
        assertThat(job.waitFor(5, TimeUnit.MINUTES)).isTrue();

        assertThat(job.exitValue()).as(String.join("\n", Files.readAllLines(output))).isEqualTo(ExitCode.DONE.code());
        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
        try (Stream<Path> left = Files.list(directory)) {
            assertThat(left).isEmpty();
        }
        assertThat(Files.readAllLines(output)).contains("Removed 199000 stale dead letters: their rows are no longer legacy");
    }

    @Test
    void sigtermToASlowRunStopsWithinTheStopTimeoutWithItsSummary() throws Exception {
        insertRows(numberedKeys("image/", 2_000), true);
        Path output = logDir.resolve("console.txt");

        long stopNanos;
        try (FaultInjectingProxy slow = FaultInjectingProxy.delayRequestsContaining(connection().s3Endpoint(), "/", 2_000)) {
            Process job = startJob("console.txt", settings("migration.s3.endpoint", slow.endpoint(),
                    "migration.parallelism", "8", "migration.stop-timeout-seconds", "8"));
            await().atMost(Duration.ofMinutes(1)).until(() -> rowsUnder("avatar/") >= 8);
            long signalled = System.nanoTime();
            new ProcessBuilder("kill", "-TERM", Long.toString(job.pid())).start().waitFor();
            assertThat(job.waitFor(1, TimeUnit.MINUTES)).isTrue();
            stopNanos = System.nanoTime() - signalled;
            assertThat(job.exitValue()).isEqualTo(143);
        }

        System.out.printf("SIGTERM: stopped in %.1f s (stop timeout 8 s)%n", stopNanos / 1e9);
        // Within the stop timeout, give or take the JVM's own exit.
        assertThat(stopNanos).isLessThan(TimeUnit.SECONDS.toNanos(11));
        List<String> console = Files.readAllLines(output);
        assertThat(console).anyMatch(line -> line.startsWith("Migration stopped after"))
                .anyMatch(line -> line.endsWith("legacy entries in the database"))
                .anyMatch(line -> line.endsWith("not counted (stopping: rows only)"));
        List<String> production = keys().stream().filter(key -> key.startsWith("avatar/")).toList();
        assertThat(objectKeys(PRODUCTION_BUCKET)).containsAll(production);
    }

    @Test
    void theRunLockIsTakenAgainAfterADatabaseRestart() throws Exception {
        insertRows(numberedKeys("image/", 1_500), true);

        try (FaultInjectingProxy slow = FaultInjectingProxy.delayRequestsContaining(connection().s3Endpoint(), "/", 20)) {
            Map<String, String> job = settings("migration.s3.endpoint", slow.endpoint(), "migration.parallelism", "4");
            Process first = startJob("first.txt", job);
            await().atMost(Duration.ofMinutes(1)).until(() -> rowsUnder("avatar/") >= 100);
            takeDatabaseDown(Duration.ofSeconds(2));
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.readAllLines(logDir.resolve("first.txt"))
                    .contains("The database came back: the run lock is held again"));
            Process second = startJob("second.txt", job);
            assertThat(second.waitFor(1, TimeUnit.MINUTES)).isTrue();
            assertThat(second.exitValue()).isEqualTo(ExitCode.LOCKED.code());
            assertThat(first.waitFor(3, TimeUnit.MINUTES)).isTrue();
            assertThat(first.exitValue()).isEqualTo(ExitCode.DONE.code());
        }
        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
    }

    /** Every row points at production, its object is there, and no row went to dead letters. */
    void assertEveryRowMigratedWithoutDeadLetters(int rows) throws Exception {
        assertThat(deadLetters()).isEmpty();
        assertThat(keys()).allMatch(key -> key.startsWith("avatar/"));
        assertThat(objectKeys(PRODUCTION_BUCKET)).hasSize(rows);
    }
}
