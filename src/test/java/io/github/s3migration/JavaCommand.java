package io.github.s3migration;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A command line that runs a main class in a fresh JVM on this JVM's class path. */
final class JavaCommand {

    private JavaCommand() {
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
