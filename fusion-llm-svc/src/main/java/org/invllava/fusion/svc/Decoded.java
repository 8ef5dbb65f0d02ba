package org.invllava.fusion.svc;

import org.invllava.schemas.DeadLetter;

/** A record decoded from its topic: the value, or the dead letter to publish instead. */
record Decoded<T>(T value, DeadLetter poison) {
    boolean ok() {
        return value != null;
    }
}
