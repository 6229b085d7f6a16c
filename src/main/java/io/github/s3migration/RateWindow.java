package io.github.s3migration;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The rate of rows done over about the last 30 seconds, from the counts seen at each progress line. Over the window,
 * not the last interval: rows arrive a whole batch at a time, and over a single interval the rate would swing between
 * 0 and a multiple of the real one.
 */
final class RateWindow {

    private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** The counts of the last {@link #WINDOW_NANOS}; the previous one stays whatever its age. */
    private final ArrayDeque<Point> points = new ArrayDeque<>();

    private record Point(long nanos, long done) {
    }

    RateWindow(long startNanos) {
        points.add(new Point(startNanos, 0));
    }

    /** Notes this count and returns the rate since the oldest count in the window, per second. */
    synchronized double rate(long nanos, long done) {
        while (points.size() > 1 && nanos - points.peekFirst().nanos() > WINDOW_NANOS) {
            points.removeFirst();
        }
        Point since = points.peekFirst();
        points.addLast(new Point(nanos, done));
        return nanos > since.nanos() ? (done - since.done()) * 1e9 / (nanos - since.nanos()) : 0;
    }
}
