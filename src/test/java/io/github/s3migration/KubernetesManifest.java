package io.github.s3migration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;

/**
 * A file of deploy/kubernetes/ read into fabric8's Kubernetes model (the API server's own field names and types), and
 * what the tests ask of it: the shards' Job, the environment its container {@code migration} is given, its pod
 * failure policy.
 */
final class KubernetesManifest {

    /** The container the job runs in, named as the pod failure policy's rules name it. */
    static final String CONTAINER = "migration";

    private static final String MODEL_PACKAGE = "io.fabric8.kubernetes.api.model";
    private static final YAMLMapper MAPPER = strictMapper();
    /** Each document by its apiVersion and kind, as fabric8's HasMetadata deserializer maps them. */
    private static final ObjectReader READER = MAPPER.readerFor(HasMetadata.class);

    private final Path file;
    private final List<HasMetadata> resources;

    /**
     * Scalars taken only as the API server takes them: it refuses an env value written 4 or true (a string field), or
     * completions written "4", where Jackson would convert them.
     */
    private static YAMLMapper strictMapper() {
        YAMLMapper mapper = new YAMLMapper();
        mapper.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        return mapper;
    }

    private KubernetesManifest(Path file, List<HasMetadata> resources) {
        this.file = file;
        this.resources = resources;
    }

    /** Every document of the file; a value of the wrong type (completions: four) fails here. */
    static KubernetesManifest read(Path file) {
        try {
            return new KubernetesManifest(file, parse(Files.readString(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** The documents of a YAML text, one or several separated by {@code ---}. */
    private static List<HasMetadata> parse(String yaml) throws IOException {
        return READER.<HasMetadata>readValues(yaml).readAll().stream().filter(Objects::nonNull).toList();
    }

    List<HasMetadata> resources() {
        return resources;
    }

    /** The documents of one kind (Job, PersistentVolumeClaim, ...). */
    <T extends HasMetadata> List<T> all(Class<T> kind) {
        return resources.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    /** The one Job the file holds. */
    Job job() {
        List<Job> jobs = all(Job.class);
        if (jobs.size() != 1) {
            throw new IllegalStateException(file + " holds " + jobs.size() + " Jobs, not one");
        }
        return jobs.get(0);
    }

    int completions() {
        return Objects.requireNonNull(job().getSpec().getCompletions(), file + ": the Job has no completions");
    }

    /** The Job's container {@link #CONTAINER}. */
    Container container() {
        return job().getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(container -> CONTAINER.equals(container.getName())).findFirst()
                .orElseThrow(() -> new IllegalStateException(file + ": no container named " + CONTAINER));
    }

    /**
     * The container's literal {@code env}, in order: exactly what a process started with it sees besides the Secret.
     * A value from elsewhere (valueFrom) would make that untrue, so it is refused.
     */
    Map<String, String> environment() {
        Map<String, String> environment = new LinkedHashMap<>();
        for (EnvVar variable : Objects.requireNonNullElse(container().getEnv(), List.<EnvVar>of())) {
            if (variable.getValueFrom() != null) {
                throw new IllegalStateException(file + ": " + variable.getName() + " is not a literal value");
            }
            environment.put(variable.getName(), Objects.requireNonNullElse(variable.getValue(), ""));
        }
        return environment;
    }

    /** The Secrets the container's {@code envFrom} reads every variable of. */
    List<String> secretsFromEnv() {
        return Objects.requireNonNullElse(container().getEnvFrom(), List.<EnvFromSource>of()).stream()
                .filter(source -> source.getSecretRef() != null).map(source -> source.getSecretRef().getName())
                .toList();
    }

    /** The pod failure policy's exit codes by the action they lead to (FailJob, FailIndex, Ignore, Count), in order. */
    Map<String, Set<Integer>> exitCodesByAction() {
        Map<String, Set<Integer>> codes = new LinkedHashMap<>();
        for (PodFailurePolicyRule rule : podFailureRules()) {
            if (rule.getOnExitCodes() != null) {
                codes.computeIfAbsent(rule.getAction(), action -> new LinkedHashSet<>())
                        .addAll(rule.getOnExitCodes().getValues());
            }
        }
        return codes;
    }

    List<PodFailurePolicyRule> podFailureRules() {
        return job().getSpec().getPodFailurePolicy() == null ? List.of()
                : job().getSpec().getPodFailurePolicy().getRules();
    }

    /**
     * Every field the model does not know, by its path (spec.template.spec.containers[0].imagePullPolicyy): fabric8
     * keeps those in additionalProperties instead of failing, where the API server would refuse them or drop them.
     */
    List<String> unknownFields() {
        List<String> unknown = new ArrayList<>();
        for (int i = 0; i < resources.size(); i++) {
            collectUnknownFields(resources.get(i), file.getFileName() + "[" + i + "]", unknown);
        }
        return unknown;
    }

    private static void collectUnknownFields(Object node, String path, List<String> unknown) {
        if (node instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                collectUnknownFields(list.get(i), path + "[" + i + "]", unknown);
            }
        } else if (node instanceof Map<?, ?> map) {
            map.forEach((key, value) -> collectUnknownFields(value, path + "[" + key + "]", unknown));
        } else if (node != null && node.getClass().getName().startsWith(MODEL_PACKAGE)) {
            // the fields as Jackson binds them: their YAML names, and the any-getter of the fields it did not know
            BeanDescription bean = MAPPER.getSerializationConfig().introspect(MAPPER.constructType(node.getClass()));
            AnnotatedMember anyGetter = bean.findAnyGetter();
            if (anyGetter != null && anyGetter.getValue(node) instanceof Map<?, ?> fields) {
                fields.keySet().forEach(field -> unknown.add(path + "." + field));
            }
            for (BeanPropertyDefinition property : bean.findProperties()) {
                if (property.getAccessor() != null) {
                    collectUnknownFields(property.getAccessor().getValue(node), path + "." + property.getName(),
                            unknown);
                }
            }
        }
    }
}
