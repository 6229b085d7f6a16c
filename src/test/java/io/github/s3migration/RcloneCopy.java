package io.github.s3migration;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * rclone, the end-to-end comparison's third client: {@code rclone copy} of the source prefix to the target prefix.
 * Source and target are on one remote, so rclone copies server-side. It lists both prefixes (1,000 keys a request),
 * then for each object missing at the target makes a CopyObject and a HEAD of the copy (to check its size and MD5;
 * {@code --s3-no-head} does not stop that HEAD in rclone 1.60), and updates no row. Its remote, named {@code bench},
 * is set by environment variables alone: no rclone.conf is read or written.
 */
final class RcloneCopy {

    private static final String REMOTE = "bench";

    private RcloneCopy() {
    }

    static boolean installed() {
        try {
            return new ProcessBuilder("rclone", "version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
        } catch (IOException notOnPath) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@code parallelism} copies and as many checks (listings, HEADs) in flight. */
    static List<String> command(MigrationSettings settings, int parallelism) {
        return List.of("rclone", "copy",
                location(settings.sourceBucket(), settings.sourcePrefix()),
                location(settings.targetBucket(), settings.targetPrefix()),
                "--transfers=" + parallelism, "--checkers=" + parallelism,
                // The buckets exist: no bucket creation or check.
                "--s3-no-check-bucket",
                "--stats=1s", "--stats-one-line", "--stats-log-level=NOTICE");
    }

    static Map<String, String> environment(ConnectionSettings connection) {
        String prefix = "RCLONE_CONFIG_" + REMOTE.toUpperCase() + "_";
        return Map.of("RCLONE_CONFIG", "",
                // The endpoint is plain HTTP; with a CA bundle named here rclone 1.60's S3 client fails to start
                // ("LoadCustomCABundleError ... unsupported transport").
                "AWS_CA_BUNDLE", "",
                prefix + "TYPE", "s3",
                prefix + "PROVIDER", "Other",
                prefix + "ENV_AUTH", "false",
                prefix + "ENDPOINT", connection.s3Endpoint(),
                prefix + "REGION", connection.s3Region(),
                prefix + "ACCESS_KEY_ID", connection.s3AccessKey(),
                prefix + "SECRET_ACCESS_KEY", connection.s3SecretKey(),
                prefix + "FORCE_PATH_STYLE", "true");
    }

    private static String location(String bucket, String prefix) {
        return REMOTE + ":" + bucket + "/" + prefix.replaceAll("/+$", "");
    }
}
