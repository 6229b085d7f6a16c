package io.github.s3migration;

import java.util.ArrayList;
import java.util.List;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

/** Everything the application and its libraries log while it is open, stack traces included. */
final class ConsoleCapture implements AutoCloseable {

    private static final List<String> LOGGERS = List.of(Logger.ROOT_LOGGER_NAME, "io.github.s3migration");

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    ConsoleCapture() {
        appender.start();
        LOGGERS.forEach(name -> ((Logger) LoggerFactory.getLogger(name)).addAppender(appender));
    }

    List<String> lines() {
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent event : List.copyOf(appender.list)) {
            lines.add(event.getFormattedMessage());
            IThrowableProxy error = event.getThrowableProxy();
            if (error != null) {
                lines.add(ThrowableProxyUtil.asString(error));
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
