package io.github.s3migration;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
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
        // Without empty entries: an empty one is the working directory, the project root with its routes/ folder, and
        // the job would find its routes twice (once from the class path's target/classes).
        command.add(Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.isEmpty()).collect(Collectors.joining(File.pathSeparator)));
        systemProperties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add(mainClass);
        command.addAll(List.of(arguments));
        return command;
    }
}
