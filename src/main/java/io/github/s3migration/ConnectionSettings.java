package io.github.s3migration;

import org.apache.camel.spi.PropertiesComponent;

/** Where the database and the S3 service are, and the secrets to reach them. Never printed whole. */
public record ConnectionSettings(
        String dbUrl,
        String dbUser,
        String dbPassword,
        String s3Endpoint,
        String s3Region,
        String s3AccessKey,
        String s3SecretKey,
        boolean s3PathStyle) {

    static ConnectionSettings from(PropertiesComponent properties) {
        Settings settings = new Settings(properties);
        ConnectionSettings answer = new ConnectionSettings(
                settings.required("migration.db.url"),
                settings.required("migration.db.user"),
                settings.secret("migration.db.password"),
                settings.text("migration.s3.endpoint"),
                settings.required("migration.s3.region"),
                settings.text("migration.s3.access-key"),
                settings.secret("migration.s3.secret-key"),
                settings.flag("migration.s3.path-style"));
        if (answer.s3AccessKey.isEmpty() != answer.s3SecretKey.isEmpty()) {
            throw new InvalidConfigurationException("Set both migration.s3.access-key and migration.s3.secret-key"
                    + " (MIGRATION_S3_ACCESS_KEY, MIGRATION_S3_SECRET_KEY), or neither to use the AWS default credentials");
        }
        return answer;
    }

    /** The JDBC URL without its query string, which may carry a password, and with any password in it masked. */
    public String databaseName() {
        int query = dbUrl.indexOf('?');
        return SecretMasking.mask(query < 0 ? dbUrl : dbUrl.substring(0, query));
    }

    public String s3Name() {
        return s3Endpoint.isEmpty() ? "AWS S3 (" + s3Region + ")" : SecretMasking.mask(s3Endpoint);
    }

    @Override
    public String toString() {
        return "ConnectionSettings[db=" + databaseName() + ", user=" + dbUser + ", s3=" + s3Name() + "]";
    }
}
