package io.github.s3migration;

import java.sql.SQLException;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.Predicate;

/**
 * A database failure that another attempt will not cure: bad data such as a key too long for its column (SQLState
 * class 22), a violated constraint (23), a missing privilege or object (42), a failed check option (44). Anything else
 * (a lost connection, a lock or statement timeout, a deadlock) may pass, and is retried.
 */
public final class PermanentSqlFailure implements Predicate {

    private static final Set<String> PERMANENT_CLASSES = Set.of("22", "23", "42", "44");

    @Override
    public boolean matches(Exchange exchange) {
        Throwable failure = exchange.getException() != null ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        return isPermanent(failure);
    }

    static boolean isPermanent(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().length() >= 2) {
                return PERMANENT_CLASSES.contains(sql.getSQLState().substring(0, 2));
            }
        }
        return false;
    }
}
