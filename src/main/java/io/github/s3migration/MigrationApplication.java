package io.github.s3migration;

import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/** Boots Camel Main with the job's lifecycle ({@link JobLifecycle}) and exits with the run's {@link ExitCode}. */
public final class MigrationApplication {

    private static final Logger LOG = LoggerFactory.getLogger(MigrationApplication.class);

    private MigrationApplication() {
    }

    public static void main(String[] args) {
        StopSignal.install();
        StopSignal.exit(run(Map.of(), args));
    }

    /** Runs the job with these properties taking precedence over every other source; returns the exit code. */
    public static int run(Map<String, String> overrides) {
        return run(overrides, new String[0]);
    }

    /** @param arguments Camel Main's own command-line arguments */
    static int run(Map<String, String> overrides, String[] arguments) {
        // The PostgreSQL driver logs through java.util.logging: into logback, where secrets are masked.
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
        Main main = new Main(MigrationApplication.class);
        overrides.forEach(main::addOverrideProperty);
        JobLifecycle job = new JobLifecycle();
        main.addMainListener(job);
        try {
            main.run(arguments);
            return job.exitCode().code();
        } catch (Exception e) {
            LOG.error("ERROR: {}", describe(e));
            return ExitCode.CANNOT_RUN.code();
        } finally {
            CamelContext context = main.getCamelContext();
            if (context != null) {
                context.stop();
            }
        }
    }

    /** One line: our own configuration messages as they are, anything else with its type and root cause. */
    static String describe(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof InvalidConfigurationException) {
                return cause.getMessage();
            }
        }
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
