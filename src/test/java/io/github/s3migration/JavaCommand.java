package io.github.s3migration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** A command line that runs a main class in a fresh JVM on this JVM's class path. */
final class JavaCommand {

    private JavaCommand() {
    }

    /** The JVM options {@code mvn camel:run} runs the job with: the job runs in Maven's JVM. */
    static List<String> projectJvmOptions() {
        Path config = Path.of(".mvn", "jvm.config");
        try {
            return Files.exists(config) ? Stream.of(Files.readString(config).split("\\s+"))
                    .filter(option -> !option.isEmpty()).toList() : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> of(List<String> jvmOptions, Map<String, String> systemProperties,
            String mainClass, String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        systemProperties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add(mainClass);
        command.addAll(List.of(arguments));
        return command;
    }
}
