package io.github.s3migration;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnExitCodesRequirement;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnPodConditionsPattern;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * deploy/kubernetes/ as the API server and the job will take it: fields Kubernetes knows, with the right types; a pod
 * failure policy that reads the job's exit codes as they are meant; only variables the job reads; volumes that exist.
 * A mistake here would otherwise show only on a cluster, part-way through a migration.
 */
@Tag("fast")
class KubernetesManifestTest {

    private static final Path DEPLOY = Path.of("deploy", "kubernetes");
    private static final Path SHARDS = DEPLOY.resolve("migration-job.yaml");
    private static final Path STEP = DEPLOY.resolve("migration-step-job.yaml");
    private static final Path VOLUMES = DEPLOY.resolve("volumes.yaml");

    @Test
    void everyManifestReadsIntoTheKubernetesModelWithNoUnknownField() throws IOException {
        List<Path> files = manifests();
        assertThat(files).contains(SHARDS, STEP, VOLUMES);
        for (Path file : files) {
            KubernetesManifest manifest = KubernetesManifest.read(file);
            assertThat(manifest.resources()).as(file.toString()).isNotEmpty();
            assertThat(manifest.unknownFields()).as("fields Kubernetes does not know in " + file).isEmpty();
        }
    }

    @Test
    void aMisspelledFieldIsReportedWithItsPath(@TempDir Path directory) throws IOException {
        String job = Files.readString(SHARDS).replace("completionMode:", "completionMod:")
                .replace("containerPort:", "containerPortt:");
        KubernetesManifest misspelled = KubernetesManifest.read(write(directory, job));

        assertThat(misspelled.unknownFields()).containsExactlyInAnyOrder(
                "migration-job.yaml[0].spec.completionMod",
                "migration-job.yaml[0].spec.template.spec.containers[0].ports[0].containerPortt");
        // the misspelled field is not read as the real one: the Job would run as NonIndexed, every pod the same shard
        assertThat(misspelled.job().getSpec().getCompletionMode()).isNull();
    }

    @Test
    void aMisspelledKindLeavesEveryFieldUnknown(@TempDir Path directory) throws IOException {
        String job = Files.readString(SHARDS).replace("kind: Job", "kind: Jobs");

        assertThat(KubernetesManifest.read(write(directory, job)).unknownFields())
                .contains("migration-job.yaml[0].spec");
    }

    @Test
    void aValueOfTheWrongTypeFailsTheReading(@TempDir Path directory) throws IOException {
        String job = Files.readString(SHARDS);
        // each refused by the API server: a word for a number, a number or a flag quoted as text, and the reverse
        Map<String, String> wrongTypes = Map.of(
                "completions: 4", "completions: four",
                "parallelism: 4", "parallelism: \"4\"",
                "runAsNonRoot: true", "runAsNonRoot: \"true\"",
                "value: \"64\"", "value: 64",
                "value: \"true\"", "value: true");
        wrongTypes.forEach((right, wrong) -> {
            assertThat(job).contains(right);
            assertThatThrownBy(() -> KubernetesManifest.read(write(directory, job.replace(right, wrong)))).as(wrong)
                    .isInstanceOf(UncheckedIOException.class).hasCauseInstanceOf(MismatchedInputException.class)
                    .hasMessageContaining("migration-job.yaml");
        });
    }

    @Test
    void theShardsAreOneIndexEachWithTheirOwnRetries() {
        KubernetesManifest shards = KubernetesManifest.read(SHARDS);
        JobSpec spec = shards.job().getSpec();

        // JOB_COMPLETION_INDEX is set only for Indexed Jobs: without it every pod would take the same shard
        assertThat(spec.getCompletionMode()).isEqualTo("Indexed");
        // one index per shard: fewer would leave shards unmigrated, more would run indexes with no shard
        assertThat(shards.completions())
                .isEqualTo(Integer.parseInt(shards.environment().get("MIGRATION_SHARD_COUNT")));
        assertThat(spec.getParallelism()).isBetween(1, shards.completions());
        // FailIndex needs retries counted per index; podFailurePolicy needs Never
        assertThat(spec.getBackoffLimitPerIndex()).isPositive();
        assertThat(podSpec(shards.job()).getRestartPolicy()).isEqualTo("Never");
        assertThat(Long.parseLong(shards.environment().get("MIGRATION_SHARD_ID_MIN")))
                .isLessThanOrEqualTo(Long.parseLong(shards.environment().get("MIGRATION_SHARD_ID_MAX")));
    }

    @Test
    void anExitCodeLeadsToWhatItMeans() {
        KubernetesManifest shards = KubernetesManifest.read(SHARDS);
        Set<Integer> jobCodes = Arrays.stream(ExitCode.values()).map(ExitCode::code).collect(Collectors.toSet());

        // cannot run: the same on every shard, stop them all; legacy rows left: this shard fails, its letters are
        // replayed later; locked: another process has the shard, try again
        assertThat(shards.exitCodesByAction()).isEqualTo(Map.of(
                "FailJob", Set.of(ExitCode.CANNOT_RUN.code()),
                "FailIndex", Set.of(ExitCode.LEGACY_ROWS_LEFT.code()),
                "Ignore", Set.of(ExitCode.LOCKED.code())));
        for (PodFailurePolicyRule rule : shards.podFailureRules()) {
            PodFailurePolicyOnExitCodesRequirement onExit = rule.getOnExitCodes();
            if (onExit != null) {
                assertThat(jobCodes).containsAll(onExit.getValues());
                // a rule naming another container would never match
                assertThat(onExit.getContainerName()).isEqualTo(KubernetesManifest.CONTAINER);
                assertThat(onExit.getOperator()).isEqualTo("In");
                // the API server refuses 0 with In, and values not sorted or repeated
                assertThat(onExit.getValues()).doesNotContain(0).isSorted().doesNotHaveDuplicates();
            }
        }
        // an evicted or preempted pod is replaced without using up the shard's retries
        assertThat(shards.podFailureRules()).filteredOn(rule -> !rule.getOnPodConditions().isEmpty())
                .singleElement().satisfies(rule -> {
                    assertThat(rule.getAction()).isEqualTo("Ignore");
                    assertThat(rule.getOnPodConditions()).extracting(PodFailurePolicyOnPodConditionsPattern::getType)
                            .containsExactly("DisruptionTarget");
                });
    }

    @Test
    void aStoppedPodHasTimeToStopCleanly() throws IOException {
        int stopTimeout = Integer.parseInt(knownProperties().getProperty("migration.stop-timeout-seconds"));
        for (Job job : jobs()) {
            // past the grace period the kubelet kills the job mid-stop: rows in flight are neither updated nor lettered
            assertThat(podSpec(job).getTerminationGracePeriodSeconds()).as(job.getMetadata().getName())
                    .isGreaterThan(stopTimeout);
        }
    }

    @Test
    void everyMigrationVariableIsASettingTheJobReads() throws IOException {
        Set<String> known = knownProperties().stringPropertyNames().stream().map(Settings::environmentName)
                .collect(Collectors.toSet());
        // the check can fail: a misspelled name is not among them
        assertThat(known).contains("MIGRATION_PARALLELISM").doesNotContain("MIGRATION_PARALELISM");

        for (Job job : jobs()) {
            for (Container container : podSpec(job).getContainers()) {
                // a misspelled variable is ignored by the job, which then runs with the default
                assertThat(container.getEnv()).as(job.getMetadata().getName())
                        .extracting(EnvVar::getName).filteredOn(name -> name.startsWith("MIGRATION_"))
                        .isNotEmpty().allSatisfy(name -> assertThat(known).contains(name));
            }
        }
    }

    @Test
    void theConnectionSettingsComeFromTheSecretAndNoSecretIsCommitted() throws IOException {
        for (Path file : List.of(SHARDS, STEP)) {
            assertThat(KubernetesManifest.read(file).secretsFromEnv()).as(file.toString())
                    .containsExactly("s3-row-migration");
        }
        for (Path file : manifests()) {
            assertThat(KubernetesManifest.read(file).resources()).extracting(HasMetadata::getKind)
                    .doesNotContain("Secret");
        }
    }

    @Test
    void theEnvironmentIsTheLiteralValuesInOrder(@TempDir Path directory) throws IOException {
        assertThat(KubernetesManifest.read(SHARDS).environment().keySet()).startsWith("MIGRATION_SHARD_COUNT",
                "MIGRATION_SHARD_ID_MIN", "MIGRATION_SHARD_ID_MAX");
        // a value from a ConfigMap or a field is not in the file: another test could not start the job with it
        String fromElsewhere = Files.readString(SHARDS).replace("""
                value: "64"
                """.indent(14), """
                valueFrom:
                  configMapKeyRef: {name: tuning, key: parallelism}
                """.indent(14));
        assertThat(fromElsewhere).isNotEqualTo(Files.readString(SHARDS));

        assertThatThrownBy(() -> KubernetesManifest.read(write(directory, fromElsewhere)).environment())
                .hasMessageContaining("MIGRATION_PARALLELISM is not a literal value");
    }

    @Test
    void theStepJobVerifiesOnceByDefault() {
        KubernetesManifest step = KubernetesManifest.read(STEP);

        assertThat(step.environment()).containsEntry("MIGRATION_MODE", "verify");
        // its exit code is the answer (3: problems found), not a failure to retry
        assertThat(step.job().getSpec().getBackoffLimit()).isZero();
        assertThat(step.job().getSpec().getCompletionMode()).isNull();
    }

    @Test
    void everyVolumeMountIsAClaimOfVolumesYamlWhereTheImageWrites() throws IOException {
        List<PersistentVolumeClaim> claims = KubernetesManifest.read(VOLUMES).all(PersistentVolumeClaim.class);
        // every shard's pod writes its dead letters and records at once, maybe on different nodes
        assertThat(claims).isNotEmpty().allSatisfy(claim -> assertThat(claim.getSpec().getAccessModes())
                .containsExactly("ReadWriteMany"));
        Set<String> claimNames = claims.stream().map(claim -> claim.getMetadata().getName())
                .collect(Collectors.toSet());
        String pom = Files.readString(Path.of("pom.xml"));

        for (Job job : jobs()) {
            PodSpec pod = podSpec(job);
            Map<String, Volume> volumes = pod.getVolumes().stream()
                    .collect(Collectors.toMap(Volume::getName, volume -> volume));
            List<VolumeMount> mounts = pod.getContainers().stream().flatMap(container -> container.getVolumeMounts()
                    .stream()).toList();
            for (VolumeMount mount : mounts) {
                assertThat(volumes).as(job.getMetadata().getName()).containsKey(mount.getName());
                assertThat(volumes.get(mount.getName()).getPersistentVolumeClaim().getClaimName()).isIn(claimNames);
            }
            // mounted anywhere else, the letters and records would stay in the pod and go with it
            assertThat(mounts).extracting(VolumeMount::getMountPath).as(job.getMetadata().getName())
                    .containsExactlyInAnyOrder(imageEnvironment(pom, "MIGRATION_DEAD_LETTER_DIR"),
                            imageEnvironment(pom, "MIGRATION_OUTCOME_DIR"));
        }
    }

    private static List<Path> manifests() throws IOException {
        try (Stream<Path> files = Files.list(DEPLOY)) {
            return files.filter(file -> file.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    private static List<Job> jobs() throws IOException {
        return manifests().stream().flatMap(file -> KubernetesManifest.read(file).all(Job.class).stream()).toList();
    }

    private static PodSpec podSpec(Job job) {
        return job.getSpec().getTemplate().getSpec();
    }

    /** The keys of application.properties and its prod profile, and the sharding keys. */
    private static Properties knownProperties() throws IOException {
        Properties known = new Properties();
        for (String file : List.of("application.properties", "application-prod.properties")) {
            try (Reader reader = Files.newBufferedReader(Path.of(file))) {
                known.load(reader);
            }
        }
        return known;
    }

    /** A variable the Jib image sets (pom.xml), such as where it writes its dead letters. */
    private static String imageEnvironment(String pom, String name) {
        Matcher value = Pattern.compile("<" + name + ">([^<]+)</" + name + ">").matcher(pom);
        assertThat(value.find()).as(name + " in the image's environment").isTrue();
        return value.group(1);
    }

    private static Path write(Path directory, String yaml) throws IOException {
        return Files.writeString(directory.resolve("migration-job.yaml"), yaml);
    }
}
