package io.github.s3migration;

/** A legacy row whose key cannot be migrated as it is; retrying will not help, so it goes straight to dead letters. */
public class InvalidRowException extends RuntimeException {

    public InvalidRowException(String message) {
        super(message);
    }
}
