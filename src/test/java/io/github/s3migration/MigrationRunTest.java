package io.github.s3migration;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** When a run is done, its exit code, and the progress and summary lines the operator reads. */
@Tag("fast")
class MigrationRunTest {

    /** A decimal as String.format writes it in any locale. */
    private static final String DECIMAL = "\\d+[.,]\\d+";

    private final MigrationRun run = new MigrationRun(1_000);
    private final ProgressReport report = new ProgressReport(run);

    @Test
    void aRunIsDoneOnceNoRowIsLeftToHandOutAndEveryRowHandedOutIsUpdatedOrDeadLettered() throws Exception {
        run.start(3, 2);
        run.handOut(rows(1, 2, 3));
        run.copied();
        run.skippedExisting();
        run.rowsUpdated(batch(1, 2), updated(1, 2));
        assertThat(run.isFinished()).isFalse();
        run.deadLettered();
        // Rows may still be inserted: done only once a poll found none.
        assertThat(run.isFinished()).isFalse();
        assertThat(run.exitCode()).isEqualTo(ExitCode.INTERRUPTED);

        run.noMoreRows();

        assertThat(run.isFinished()).isTrue();
        assertThat(run.exitCode()).isEqualTo(ExitCode.LEGACY_ROWS_LEFT);
        assertThat(run.lastHandedOutId()).isEqualTo(3);
        assertThat(run.legacyRowsLeft()).isZero();
    }

    @Test
    void everyRowUpdatedIsExitZero() throws Exception {
        run.handOut(rows(1, 2));
        run.rowsUpdated(batch(1, 2), updated(1, 2));
        run.noMoreRows();

        assertThat(run.exitCode()).isEqualTo(ExitCode.DONE);
    }

    @Test
    void aPollThatFailsForGoodIsExitOneBeforeAnyRowIsUpdatedAndTwoAfter() throws Exception {
        try (ConsoleCapture console = new ConsoleCapture()) {
            run.handingOutFailed("polling the legacy rows failed: connection refused");
            run.handingOutFailed("said once");

            assertThat(run.isFinished()).isTrue();
            assertThat(run.exitCode()).isEqualTo(ExitCode.CANNOT_RUN);
            assertThat(run.handOutFailure()).isEqualTo("polling the legacy rows failed: connection refused");
            assertThat(console.lines()).filteredOn(line -> line.startsWith("ERROR: ")).containsExactly("ERROR: polling the legacy rows failed: connection refused;"
                    + " no more rows are handed out, the rows in flight finish");
        }

        MigrationRun partly = new MigrationRun(1_000);
        partly.handOut(rows(1, 2));
        partly.handingOutFailed("polling the legacy rows failed: column \"path\" does not exist");
        assertThat(partly.isFinished()).as("rows are in flight").isFalse();
        partly.rowsUpdated(batch(1, 2), updated(1, 2));
        assertThat(partly.isFinished()).isTrue();
        assertThat(partly.exitCode()).isEqualTo(ExitCode.LEGACY_ROWS_LEFT);
    }

    @Test
    void rowsTheGuardedUpdateLeftAloneAreNamedAndCounted() throws Exception {
        run.start(3, 3);
        run.handOut(rows(1, 2, 3));
        List<RowMigration> updatedRows;
        try (ConsoleCapture console = new ConsoleCapture()) {
            updatedRows = run.rowsUpdated(batch(1, 2, 3), updated(2));

            assertThat(console.lines()).filteredOn(line -> line.startsWith("WARNING: ")).containsExactly("WARNING: 2 of 3 rows changed in the database while their objects"
                    + " were copied; left as they are: ids [1, 3]");
        }

        assertThat(updatedRows).extracting(RowMigration::id).containsExactly(2L);
        assertThat(run.rowsUpdated()).isEqualTo(1);
        assertThat(run.rowsChangedMeanwhile()).isEqualTo(2);
        assertThat(run.legacyRowsLeft()).isZero();
        run.noMoreRows();
        assertThat(run.exitCode()).as("the run's own code; the job's counts the changed rows still legacy").isEqualTo(ExitCode.DONE);
    }

    @Test
    void progressCountsAgainstTheLegacyRowsFoundAtStart() throws Exception {
        run.start(10, 4);
        assertThat(report.progress()).matches("Progress 0%, batches 0/3, files copied 0, already present 0, rows updated 0,"
                + " dead letters 0, elapsed " + DECIMAL + " s, rate 0[.,]0 rows/s, ETA unknown");

        run.handOut(rows(1, 2, 3, 4, 5));
        for (int i = 0; i < 3; i++) {
            run.copied();
        }
        run.skippedExisting();
        run.rowsUpdated(batch(1, 2, 3, 4), updated(1, 2, 3, 4));
        run.deadLettered();

        assertThat(report.progress()).matches("Progress 50%, batches 1/3, files copied 3, already present 1, rows updated 4,"
                + " dead letters 1, elapsed " + DECIMAL + " s, rate " + DECIMAL + " rows/s, ETA \\d+ s");
        assertThat(run.legacyRowsLeft()).isEqualTo(5);
    }

    @Test
    void withNothingToMigrateProgressIsComplete() {
        run.start(0, 100);

        assertThat(report.progress()).startsWith("Progress 100%, batches 0/0, ");
    }

    @Test
    void moreRowsThanFoundAtStartNeverShowMoreThanAHundredPercent() throws Exception {
        run.start(1, 1);
        run.handOut(rows(1, 2));
        run.rowsUpdated(batch(1), updated(1));
        run.rowsUpdated(batch(2), updated(2));

        assertThat(report.progress()).startsWith("Progress 100%, batches 2/2, ");
    }

    @Test
    void theSummarySaysWhetherTheRunFinishedOrWasStopped() throws Exception {
        run.start(3, 2);
        run.handOut(rows(1, 2, 3));
        run.copied();
        run.copied();
        run.skippedExisting();
        run.rowsUpdated(batch(1, 2, 3), updated(1, 3));

        assertThat(report.summary()).matches("Migration stopped after " + DECIMAL + " seconds: 2 files copied, 1 already"
                + " present, 2 rows updated, 1 rows changed meanwhile, 0 dead letters, " + DECIMAL + " rows/s, "
                + DECIMAL + " ms CPU per row");
        run.noMoreRows();
        assertThat(report.summary()).startsWith("Migration finished after ")
                .contains(": 2 files copied, 1 already present, 2 rows updated, 1 rows changed meanwhile, 0 dead letters, ");
    }

    @Test
    void elapsedTimeStopsWhenTheRunFinishes() throws Exception {
        run.start(1, 1);
        run.handOut(rows(1));
        run.rowsUpdated(batch(1), updated(1));
        run.noMoreRows();
        String atFinish = report.summary();
        Thread.sleep(50);

        assertThat(report.summary()).isEqualTo(atFinish);
    }

    @Test
    void aPageOfRowsWaitsUntilItFitsUnderTheRowsInFlight() throws Exception {
        MigrationRun bounded = new MigrationRun(3);
        bounded.handOut(rows(1, 2));
        CompletableFuture<Void> next = CompletableFuture.runAsync(() -> {
            try {
                bounded.handOut(rows(3, 4));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });

        Thread.sleep(300);
        assertThat(next).isNotDone();
        bounded.deadLettered();
        next.get(5, TimeUnit.SECONDS);
        assertThat(bounded.lastHandedOutId()).isEqualTo(4);
    }

    @Test
    void waitingForTheRowsInFlightEndsWhenTheyAreDoneOrTheTimeIsUp() throws Exception {
        run.handOut(rows(1));

        assertThat(run.awaitRowsInFlight(50)).isFalse();
        run.rowsUpdated(batch(1), updated(1));
        assertThat(run.awaitRowsInFlight(50)).isTrue();
    }

    @Test
    void theActionsForTheEndRunOnceWhenTheRunIsDoneOrAtOnceAfter() throws Exception {
        AtomicInteger before = new AtomicInteger();
        run.whenFinished(before::incrementAndGet);
        run.handOut(rows(1));
        run.noMoreRows();
        assertThat(before).hasValue(0);

        run.rowsUpdated(batch(1), updated(1));

        assertThat(before).hasValue(1);
        AtomicInteger after = new AtomicInteger();
        run.whenFinished(after::incrementAndGet);
        assertThat(after).hasValue(1);
    }

    @Test
    void aReplayLooksForItsRowsAPageOfTenThousandIdsAtATime() throws Exception {
        assertThat(run.replaying()).isFalse();
        assertThat(run.replayPage()).isEmpty();
        long[] ids = LongStream.rangeClosed(1, 25_000).map(id -> id * 2).toArray();
        run.replayOnly(ids);

        assertThat(run.replaying()).isTrue();
        assertThat(run.replayPage()).hasSize(10_000).startsWith(2L).endsWith(20_000L);
        // None of the page is legacy any more: the next poll looks at the next page.
        run.noMoreRows();
        assertThat(run.isFinished()).isFalse();
        assertThat(run.replayPage()).hasSize(10_000).startsWith(20_002L).endsWith(40_000L);
        // Rows handed out move the cursor past them.
        run.handOut(rows(40_002, 45_000));
        assertThat(run.replayPage()).hasSize(2_500).startsWith(45_002L).endsWith(50_000L);
        run.rowsUpdated(batch(40_002, 45_000), updated(40_002, 45_000));

        run.noMoreRows();

        assertThat(run.isFinished()).isTrue();
        assertThat(run.exitCode()).isEqualTo(ExitCode.DONE);
    }

    private static List<Map<String, Object>> rows(long... ids) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (long id : ids) {
            rows.add(Map.of("id", id, "source_key", "image/avatar-" + id + ".png"));
        }
        return rows;
    }

    /** The ids the guarded update returned. */
    private static Set<Long> updated(long... ids) {
        return LongStream.of(ids).boxed().collect(Collectors.toSet());
    }

    private static List<RowMigration> batch(long... ids) {
        return LongStream.of(ids).mapToObj(id -> new RowMigration(id, "image/avatar-" + id + ".png",
                "avatar/avatar-" + id + ".png")).toList();
    }
}
