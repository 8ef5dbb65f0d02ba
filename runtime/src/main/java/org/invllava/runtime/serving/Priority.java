package org.invllava.runtime.serving;

/**
 * How a request competes for the batch: {@code INTERACTIVE} requests (someone waits for the first token) are admitted
 * before any waiting {@code BULK} one, and take the place of the youngest running bulk sequence when the batch or the
 * KV pool is full (it is preempted and recomputed later); bulk requests use whatever room is left.
 */
public enum Priority {
    INTERACTIVE,
    BULK
}
