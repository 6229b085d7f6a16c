package io.github.s3migration;

import java.time.Duration;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Where a run of the scenarios finds its database and S3 server, and how it takes the database down for a while. A
 * runner registers its servers ({@code @RegisterExtension}); each scenario of its nested areas is handed them.
 */
interface ScenarioServers extends ParameterResolver {

    ConnectionSettings connection();

    /** Makes the database unreachable for a while, then reachable again at the same address with the same data. */
    void takeDatabaseDown(Duration outage) throws Exception;

    @Override
    default boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
        return parameter.getParameter().getType() == ScenarioServers.class;
    }

    @Override
    default Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
        return this;
    }
}
