package io.github.s3migration;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;

/**
 * Turns a failed exchange into one dead letter per row it carried: a row whose copy failed, a row that could not even
 * be planned, or every row of a batch whose update failed. The route writes each one as a JSON file.
 */
public final class DeadLetters {

    private final MigrationRun run;
    private final MigrationSettings settings;

    public DeadLetters(MigrationRun run, MigrationSettings settings) {
        this.run = run;
        this.settings = settings;
    }

    /** One failed row, as written under migration.dead-letter-dir; holds keys and the error, never a credential. */
    public record DeadLetter(
            String table, long rowId, String sourceKey, String targetKey, String errorType, String errorMessage,
            int attempts, String time, String runId) {

        public String fileName() {
            return table + "/" + rowId + ".json";
        }

        public String summary() {
            return "row " + rowId + " (" + sourceKey + "): " + errorType + ": " + errorMessage;
        }
    }

    public List<DeadLetter> describe(Exchange failed) {
        Exception error = failed.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        int attempts = failed.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class) + 1;
        RowMigration row = failed.getProperty(RowMigration.PROPERTY, RowMigration.class);
        Object body = failed.getMessage().getBody();
        List<RowMigration> rows;
        if (row != null) {
            rows = List.of(row);
        } else if (body instanceof List<?> batch) {
            rows = batch.stream().map(RowMigration.class::cast).toList();
        } else {
            @SuppressWarnings("unchecked")
            Map<String, Object> polled = (Map<String, Object>) body;
            rows = List.of(new RowMigration(((Number) polled.get("id")).longValue(), (String) polled.get("source_key"), null));
        }
        String time = Instant.now().toString();
        return rows.stream().map(failedRow -> new DeadLetter(settings.table(), failedRow.id(), failedRow.sourceKey(),
                failedRow.targetKey(), errorType(error), errorMessage(error), attempts, time, run.runId())).toList();
    }

    private static String errorType(Exception error) {
        if (error instanceof software.amazon.awssdk.services.s3.model.S3Exception s3Error
                && s3Error.awsErrorDetails() != null && s3Error.awsErrorDetails().errorCode() != null) {
            return s3Error.awsErrorDetails().errorCode();
        }
        return error == null ? "Unknown" : error.getClass().getSimpleName();
    }

    private static String errorMessage(Exception error) {
        return error == null ? "" : String.valueOf(error.getMessage());
    }
}
