package org.invllava.schemas;

/** A record that cannot be decoded as the topic's type: it goes to the dead-letter topic, with this message. */
public class PoisonRecordException extends RuntimeException {
    public PoisonRecordException(String message) {
        super(message);
    }
}
