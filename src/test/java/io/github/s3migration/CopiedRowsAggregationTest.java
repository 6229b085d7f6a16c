package io.github.s3migration;

import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Copied rows gather into a batch in the order their copies complete, each counted as copied or already present. */
@Tag("fast")
class CopiedRowsAggregationTest {

    private final DefaultCamelContext context = new DefaultCamelContext();
    private final MigrationRun run = new MigrationRun(100);
    private final CopiedRowsAggregation aggregation = new CopiedRowsAggregation(run);

    @Test
    void rowsGatherInTheOrderTheyArriveAndAreCountedAndMarkedByHowTheirObjectGotThere() {
        RowMigration copied = new RowMigration(7, "image/7.png", "avatar/7.png");
        RowMigration present = new RowMigration(3, "image/3.png", "avatar/3.png");
        RowMigration unknown = new RowMigration(5, "image/5.png", "avatar/5.png");

        Exchange batch = aggregation.aggregate(null, row(copied, false));
        batch = aggregation.aggregate(batch, row(present, true));
        batch = aggregation.aggregate(batch, row(unknown, null));

        assertThat(batch.getMessage().getBody(List.class)).containsExactly(copied, present.inPlace(true), unknown);
        assertThat(run.objectsCopied()).isEqualTo(2);
        assertThat(run.objectsAlreadyPresent()).isEqualTo(1);
    }

    @Test
    void theBatchCarriesNoneOfItsFirstRowsHeadersOrProperties() {
        Exchange first = row(new RowMigration(1, "image/1.png", "avatar/1.png"), false);
        first.getMessage().setHeader("CamelAwsS3Key", "image/1.png");
        first.setProperty("sourceKey", "image/1.png");

        Exchange batch = aggregation.aggregate(null, first);

        assertThat(batch).isNotSameAs(first);
        assertThat(batch.getMessage().getHeaders()).isEmpty();
        assertThat(batch.getProperties()).doesNotContainKeys("sourceKey", RowMigration.PROPERTY);
    }

    private Exchange row(RowMigration row, Boolean targetExists) {
        Exchange exchange = new DefaultExchange(context);
        exchange.setProperty(RowMigration.PROPERTY, row);
        exchange.setProperty(RowPlanner.TARGET_EXISTS, targetExists);
        return exchange;
    }
}
