package io.github.s3migration;

import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The guarded batch update's three arrays, one element per row, in the batch's order. */
@Tag("fast")
class UpdateParametersTest {

    @Test
    void aBatchBecomesItsIdsTheKeysReadAndTheNewKeysInOrder() {
        Exchange batch = new DefaultExchange(new DefaultCamelContext());
        batch.getMessage().setBody(List.of(new RowMigration(9, "image/b.png", "avatar/b.png"),
                new RowMigration(3, "image/a'; DROP TABLE avatars.png", "avatar/a'; DROP TABLE avatars.png")));

        new UpdateParameters().process(batch);

        assertThat(batch.getMessage().getHeader("ids", long[].class)).containsExactly(9, 3);
        assertThat(batch.getMessage().getHeader("sourceKeys", String[].class))
                .containsExactly("image/b.png", "image/a'; DROP TABLE avatars.png");
        assertThat(batch.getMessage().getHeader("targetKeys", String[].class))
                .containsExactly("avatar/b.png", "avatar/a'; DROP TABLE avatars.png");
        assertThat(batch.getMessage().getBody(List.class)).hasSize(2);
    }

    @Test
    void aRowOnItsOwnIsABatchOfOne() {
        Exchange row = new DefaultExchange(new DefaultCamelContext());
        row.getMessage().setBody(List.of(new RowMigration(15, "image/x.png", "avatar/x.png")));

        new UpdateParameters().process(row);

        assertThat(row.getMessage().getHeader("ids", long[].class)).containsExactly(15);
        assertThat(row.getMessage().getHeader("sourceKeys", String[].class)).containsExactly("image/x.png");
        assertThat(row.getMessage().getHeader("targetKeys", String[].class)).containsExactly("avatar/x.png");
    }
}
