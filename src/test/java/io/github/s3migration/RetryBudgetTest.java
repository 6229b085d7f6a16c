package io.github.s3migration;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A transient failure is retried while the row has been failing for less than the budget, and not more often. */
@Tag("fast")
class RetryBudgetTest {

    private final DefaultCamelContext context = new DefaultCamelContext();

    @Test
    void aFailureIsRetriedUntilTheRowHasBeenFailingForTheWholeBudget() throws Exception {
        RetryBudget budget = new RetryBudget(1, -1);
        Exchange row = failedAfter(0);

        assertThat(budget.matches(row)).isTrue();
        Thread.sleep(500);
        assertThat(budget.matches(failedAgain(row, 5))).isTrue();
        Thread.sleep(600);
        assertThat(budget.matches(failedAgain(row, 6))).isFalse();
    }

    @Test
    void eachRowHasABudgetOfItsOwnFromItsFirstFailure() throws Exception {
        RetryBudget budget = new RetryBudget(1, -1);
        Exchange first = failedAfter(0);
        assertThat(budget.matches(first)).isTrue();
        Thread.sleep(1_100);

        Exchange second = failedAfter(0);

        assertThat(budget.matches(second)).isTrue();
        assertThat(budget.matches(failedAgain(first, 1))).isFalse();
    }

    @Test
    void aZeroBudgetRetriesNothing() {
        assertThat(new RetryBudget(0, -1).matches(failedAfter(0))).isFalse();
    }

    @Test
    void atMostMaxRedeliveriesWhenSetWhateverTheTimeLeft() {
        RetryBudget budget = new RetryBudget(120, 2);
        Exchange row = failedAfter(0);

        assertThat(budget.matches(row)).isTrue();
        assertThat(budget.matches(failedAgain(row, 1))).isTrue();
        assertThat(budget.matches(failedAgain(row, 2))).isFalse();
    }

    @Test
    void withoutMaxRedeliveriesOnlyTheTimeCounts() {
        assertThat(new RetryBudget(120, -1).matches(failedAgain(failedAfter(0), 1_000_000))).isTrue();
    }

    @Test
    void zeroMaxRedeliveriesRetriesNothing() {
        assertThat(new RetryBudget(120, 0).matches(failedAfter(0))).isFalse();
    }

    /** An exchange whose attempt failed after this many redeliveries, as Camel's error handler asks about it. */
    private Exchange failedAfter(int redeliveries) {
        return failedAgain(new DefaultExchange(context), redeliveries);
    }

    private static Exchange failedAgain(Exchange exchange, int redeliveries) {
        exchange.getMessage().setHeader(Exchange.REDELIVERY_COUNTER, redeliveries);
        exchange.setException(new IllegalStateException("transient"));
        return exchange;
    }
}
