package io.github.s3migration;

import java.sql.BatchUpdateException;
import java.sql.SQLException;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.jdbc.UncategorizedSQLException;

import static org.assertj.core.api.Assertions.assertThat;

/** Which database failures are dead-lettered at once, and which are retried within the budget. */
@Tag("fast")
class PermanentSqlFailureTest {

    /** Value too long, unique violation, foreign key violation, insufficient privilege, undefined column, check option. */
    @ParameterizedTest(name = "SQLState {0}")
    @ValueSource(strings = {"22001", "23505", "23503", "42501", "42703", "44000"})
    void badDataConstraintsPrivilegesAndCheckOptionsArePermanent(String sqlState) {
        assertThat(PermanentSqlFailure.isPermanent(new SQLException("failed", sqlState))).isTrue();
    }

    /** Serialization failure, deadlock, lost connection, refused connection, statement timeout, lock timeout. */
    @ParameterizedTest(name = "SQLState {0}")
    @ValueSource(strings = {"40001", "40P01", "08006", "08001", "57014", "55P03", "53300", "X"})
    void whatMayPassIsTransient(String sqlState) {
        assertThat(PermanentSqlFailure.isPermanent(new SQLException("failed", sqlState))).isFalse();
    }

    @Test
    void withoutAnySqlStateItIsTransient() {
        assertThat(PermanentSqlFailure.isPermanent(new SQLException("no state"))).isFalse();
        assertThat(PermanentSqlFailure.isPermanent(new IllegalStateException("not SQL"))).isFalse();
        assertThat(PermanentSqlFailure.isPermanent(null)).isFalse();
    }

    @Test
    void theSqlStateIsFoundUnderTheWrappersCamelAndSpringAdd() {
        SQLException tooLong = new SQLException("value too long for type character varying(20)", "22001");
        BatchUpdateException batch = new BatchUpdateException("batch failed", null, 0, new int[0], tooLong);

        assertThat(PermanentSqlFailure.isPermanent(new UncategorizedSQLException("update", "UPDATE ...", batch))).isTrue();
        assertThat(PermanentSqlFailure.isPermanent(new RuntimeException(new SQLException("lost", "08006")))).isFalse();
    }

    @Test
    void theNearestSqlStateDecides() {
        SQLException timeoutOverBadData = new SQLException("canceled", "57014", new SQLException("bad", "22001"));

        assertThat(PermanentSqlFailure.isPermanent(timeoutOverBadData)).isFalse();
    }

    @Test
    void theRoutesAskAboutTheExchangesFailureOrTheOneCaught() {
        PermanentSqlFailure predicate = new PermanentSqlFailure();
        DefaultCamelContext context = new DefaultCamelContext();
        Exchange failing = new DefaultExchange(context);
        failing.setException(new SQLException("duplicate key", "23505"));
        Exchange caught = new DefaultExchange(context);
        caught.setProperty(Exchange.EXCEPTION_CAUGHT, new SQLException("duplicate key", "23505"));
        Exchange transientFailure = new DefaultExchange(context);
        transientFailure.setException(new SQLException("deadlock detected", "40P01"));

        assertThat(predicate.matches(failing)).isTrue();
        assertThat(predicate.matches(caught)).isTrue();
        assertThat(predicate.matches(transientFailure)).isFalse();
        assertThat(predicate.matches(new DefaultExchange(context))).isFalse();
    }
}
