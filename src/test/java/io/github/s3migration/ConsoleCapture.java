package io.github.s3migration;

import java.util.ArrayList;
import java.util.List;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

/**
 * Everything the application and its libraries log while it is open, stack traces included, as the console and the
 * log file print it (through the same layout words, so with secrets masked).
 */
final class ConsoleCapture implements AutoCloseable {

    private static final List<String> LOGGERS = List.of(Logger.ROOT_LOGGER_NAME, "io.github.s3migration");

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    // %nopex: without it a layout adds the stack trace by itself (through a converter of its own, unmasked).
    private final PatternLayout message = layout("%msg%nopex");
    private final PatternLayout stackTrace = layout("%ex");

    ConsoleCapture() {
        appender.start();
        LOGGERS.forEach(name -> ((Logger) LoggerFactory.getLogger(name)).addAppender(appender));
    }

    private static PatternLayout layout(String pattern) {
        PatternLayout layout = new PatternLayout();
        layout.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
        layout.setPattern(pattern);
        layout.start();
        return layout;
    }

    List<String> lines() {
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent event : List.copyOf(appender.list)) {
            lines.add(message.doLayout(event));
            if (event.getThrowableProxy() != null) {
                lines.add(stackTrace.doLayout(event));
            }
        }
        return lines;
    }

    @Override
    public void close() {
        LOGGERS.forEach(name -> ((Logger) LoggerFactory.getLogger(name)).detachAppender(appender));
        appender.stop();
    }
}
