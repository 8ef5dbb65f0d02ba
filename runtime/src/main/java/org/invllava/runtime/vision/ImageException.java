package org.invllava.runtime.vision;

/** An image that cannot be decoded or is over a limit. */
public class ImageException extends RuntimeException {
    public ImageException(String message) {
        super(message);
    }
}
