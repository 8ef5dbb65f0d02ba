package org.invllava.evaluation.bench;

/** Something that answers one question about one image: the model in-process, or a server over HTTP. */
public interface Answerer extends AutoCloseable {
    /** The model's label in reports. */
    String label();

    /** The answer text to {@code prompt} (no chat template) about {@code image} (encoded; null: text only). */
    String answer(String prompt, byte[] image) throws Exception;

    @Override
    default void close() {}
}
