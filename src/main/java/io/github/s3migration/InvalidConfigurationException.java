package io.github.s3migration;

/** A setting is missing or wrong; its message is the one line the operator sees before exit code 1. */
public class InvalidConfigurationException extends RuntimeException {

    public InvalidConfigurationException(String message) {
        super(message);
    }
}
