package io.github.s3migration;

/** The job's exit codes: operators' scripts depend on these numbers. */
public enum ExitCode {

    /** Done: no legacy row is left in the run's scope (or the report found nothing wrong). */
    DONE(0),
    /** Could not run: bad configuration, connection or permission failure; nothing was written. */
    CANNOT_RUN(1),
    /** Finished, but legacy rows are left (dead letters, rows changed meanwhile); in dead-letters mode, letters stand. */
    LEGACY_ROWS_LEFT(2),
    /** Verify or check found problems, such as rows pointing at an object that does not exist. */
    PROBLEMS_FOUND(3),
    /** Another run of the same migration holds its lock: this one wrote nothing. */
    LOCKED(75),
    /** Stopped by Ctrl-C before the end; a re-run carries on. */
    INTERRUPTED(130),
    /** Stopped by SIGTERM before the end; a re-run carries on. */
    TERMINATED(143);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
