package io.github.s3migration;

import java.nio.charset.StandardCharsets;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import org.slf4j.LoggerFactory;

/** The console's format: the text of logback.xml, or one JSON object per line for a log collector. */
final class ConsoleFormat {

    private ConsoleFormat() {
    }

    /** Every console appender of logback.xml writes JSON from now on, secrets masked like the text lines. */
    static void json() {
        LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
        for (Logger logger : logging.getLoggerList()) {
            logger.iteratorForAppenders().forEachRemaining(appender -> {
                if (appender instanceof OutputStreamAppender<ILoggingEvent> console
                        && !(console.getEncoder() instanceof MaskedJsonEncoder)) {
                    MaskedJsonEncoder encoder = new MaskedJsonEncoder();
                    encoder.setContext(logging);
                    // The message as the text console shows it, and what a collector needs besides: no more.
                    encoder.setWithFormattedMessage(true);
                    encoder.setWithMessage(false);
                    encoder.setWithArguments(false);
                    encoder.setWithContext(false);
                    encoder.setWithSequenceNumber(false);
                    encoder.setWithNanoseconds(false);
                    encoder.start();
                    console.stop();
                    console.setEncoder(encoder);
                    console.start();
                }
            });
        }
    }

    /** logback's JSON, with secrets masked in the whole line (message and stack trace alike). */
    static final class MaskedJsonEncoder extends JsonEncoder {

        @Override
        public byte[] encode(ILoggingEvent event) {
            return SecretMasking.mask(new String(super.encode(event), StandardCharsets.UTF_8))
                    .getBytes(StandardCharsets.UTF_8);
        }
    }
}
