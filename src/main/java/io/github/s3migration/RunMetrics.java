package io.github.s3migration;

import java.util.OptionalInt;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.spi.PropertiesComponent;

/**
 * {@code migration.metrics-port}: the run's counters as Prometheus meters ({@code migration_rows_updated_total}, ...),
 * served with a health check by Camel's own management server at {@code /observe/metrics} and
 * {@code /observe/health}. Off unless a port is given.
 */
final class RunMetrics {

    private static final String PORT = "migration.metrics-port";

    private RunMetrics() {
    }

    /** Before Camel configures itself: its management server on the port, with metrics and health checks. */
    static void enableIfAsked(PropertiesComponent properties) {
        OptionalInt port = new Settings(properties).optionalInteger(PORT, 1, 65_535);
        if (port.isEmpty()) {
            return;
        }
        properties.addOverrideProperty("camel.management.enabled", "true");
        properties.addOverrideProperty("camel.management.port", Integer.toString(port.getAsInt()));
        properties.addOverrideProperty("camel.management.metricsEnabled", "true");
        properties.addOverrideProperty("camel.management.healthCheckEnabled", "true");
        properties.addOverrideProperty("camel.metrics.enabled", "true");
        // Not a timer per exchange and route (a few copies' worth of CPU per row): the run's own counters say more.
        properties.addOverrideProperty("camel.metrics.enableExchangeEventNotifier", "false");
        properties.addOverrideProperty("camel.metrics.enableRoutePolicy", "false");
    }

    /** The counters, read from the run whenever they are scraped. */
    static void register(MeterRegistry registry, MigrationRun run, S3RequestGate gate) {
        counter(registry, "migration.rows.updated", "Rows updated to their new key", run, MigrationRun::rowsUpdated);
        counter(registry, "migration.objects.copied", "Objects copied to the target", run, MigrationRun::objectsCopied);
        counter(registry, "migration.objects.already.present", "Objects found already at the target", run,
                MigrationRun::objectsAlreadyPresent);
        counter(registry, "migration.dead.letters", "Rows dead-lettered", run, MigrationRun::deadLetters);
        counter(registry, "migration.rows.changed.meanwhile", "Rows left alone: changed by another writer", run,
                MigrationRun::rowsChangedMeanwhile);
        counter(registry, "migration.slowdowns", "503 SlowDown and 429 answers from S3", gate,
                S3RequestGate::slowDowns);
        Gauge.builder("migration.legacy.rows.left", run, MigrationRun::legacyRowsLeft)
                .description("Legacy rows found at the start and not yet updated or dead-lettered").register(registry);
    }

    private static <T> void counter(MeterRegistry registry, String name, String description, T source,
            ToDoubleFunction<T> value) {
        FunctionCounter.builder(name, source, value).description(description).register(registry);
    }
}
