package io.github.s3migration;

import org.apache.camel.spi.PropertiesComponent;

/**
 * Every setting of the job, read and validated once at start-up, before any route is created: a bad value stops the
 * job with one line naming the key. The defaults are those of application.properties, nowhere else.
 */
record JobSettings(JobOptions options, MigrationSettings migration, PipelineSettings pipeline,
        S3RequestSettings requests, RetrySettings retry, DatabaseTimeouts databaseTimeouts,
        TargetObjectSettings targetObjects) {

    static JobSettings read(PropertiesComponent properties) {
        UnknownSettings.refuse(properties);
        MigrationSettings migration = MigrationSettings.from(properties);
        JobOptions options = JobOptions.from(properties);
        Settings values = new Settings(properties);
        if (options.embedded() && (values.optional("migration.db.url").isPresent()
                || values.optional("migration.s3.endpoint").isPresent())) {
            // Most likely a production run without its profile: it would quietly migrate sample data instead.
            throw new InvalidConfigurationException("A database or S3 endpoint is set but migration.embedded=true:"
                    + " add -Dcamel.main.profile=prod (or -Dmigration.embedded=false)");
        }
        return new JobSettings(options, migration, PipelineSettings.from(properties, migration),
                S3RequestSettings.from(properties), RetrySettings.from(properties), DatabaseTimeouts.from(properties),
                TargetObjectSettings.from(properties));
    }
}
