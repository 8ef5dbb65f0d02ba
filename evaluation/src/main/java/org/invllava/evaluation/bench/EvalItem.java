package org.invllava.evaluation.bench;

/** One question a benchmark asks: a unique id, its category, the prompt (without chat template) and the image. */
public record EvalItem(String id, String category, String prompt, ImageSource image) {
    public EvalItem {
        if (id == null || id.isBlank() || prompt == null || prompt.isBlank()) {
            throw new IllegalArgumentException("a question needs an id and a prompt: " + id);
        }
    }
}
