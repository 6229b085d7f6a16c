package io.github.s3migration;

import java.nio.file.Path;
import java.util.Optional;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import org.slf4j.LoggerFactory;

/**
 * The log file of one run: every line the console shows, with a timestamp, in {@code migration-<run id>.log} (the
 * run id starts with the date and time); none when {@code migration.log-dir} is empty (a container's console is
 * collected instead).
 */
final class RunLogFile implements AutoCloseable {

    private static final RunLogFile NONE = new RunLogFile(null, null);

    private static final String APP_LOGGER = "io.github.s3migration";

    private final Path path;
    private final FileAppender<ILoggingEvent> appender;

    private RunLogFile(Path path, FileAppender<ILoggingEvent> appender) {
        this.path = path;
        this.appender = appender;
    }

    /** @param directory null: no file */
    static RunLogFile open(Path directory, String runId) {
        if (directory == null) {
            return NONE;
        }
        LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
        Path path = directory.resolve("migration-" + runId + ".log").toAbsolutePath();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(logging);
        encoder.setPattern("%d{yyyy-MM-dd HH:mm:ss.SSS} %msg%n%ex");
        encoder.start();
        FileAppender<ILoggingEvent> appender = new FileAppender<>();
        appender.setContext(logging);
        appender.setName("run-" + runId);
        appender.setFile(path.toString());
        appender.setEncoder(encoder);
        appender.start();
        if (!appender.isStarted()) {
            throw new InvalidConfigurationException("Cannot write the log file " + path + " (migration.log-dir)");
        }
        logging.getLogger(APP_LOGGER).addAppender(appender);
        logging.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(appender);
        return new RunLogFile(path, appender);
    }

    Optional<Path> path() {
        return Optional.ofNullable(path);
    }

    @Override
    public void close() {
        if (appender == null) {
            return;
        }
        LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
        logging.getLogger(APP_LOGGER).detachAppender(appender);
        logging.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(appender);
        appender.stop();
    }
}
