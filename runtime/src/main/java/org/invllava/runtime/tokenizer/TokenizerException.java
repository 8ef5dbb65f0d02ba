package org.invllava.runtime.tokenizer;

/** A tokenizer that cannot be loaded, or input it cannot encode. */
public class TokenizerException extends RuntimeException {
    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
