package io.github.s3migration;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Which signal stopped the job, if any, and the exit that keeps the job's own code: once a signal has started the
 * JVM's shutdown, {@code System.exit} would wait forever and the JVM would exit with 128 + the signal's number
 * whatever the run did. A run that finished before the signal keeps its code (0, or 2); one that was stopped with work
 * left exits 130 (Ctrl-C) or 143 (SIGTERM).
 */
final class StopSignal {

    private static volatile Signal received;

    private StopSignal() {
    }

    /** Notes INT and TERM, then lets the JVM's own handling (its shutdown) go on. */
    static void install() {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                SignalHandler[] previous = new SignalHandler[1];
                previous[0] = Signal.handle(new Signal(name), caught -> {
                    received = caught;
                    previous[0].handle(caught);
                });
            } catch (IllegalArgumentException e) {
                // A platform without this signal: nothing to note.
            }
        }
    }

    /** The exit code of a run stopped before its end: 143 after SIGTERM, else 130 (Ctrl-C, or no signal noted). */
    static ExitCode interruptedExitCode() {
        Signal signal = received;
        return signal != null && signal.getName().equals("TERM") ? ExitCode.TERMINATED : ExitCode.INTERRUPTED;
    }

    static void exit(int code) {
        try {
            Thread probe = new Thread(() -> { });
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
        } catch (IllegalStateException shuttingDown) {
            Runtime.getRuntime().halt(code);
        }
        System.exit(code);
    }
}
