package org.invllava.runtime.tokenizer;

/** The {@code vicuna_v1} conversation template LLaVA and Inverse-LLaVA were trained with. */
public final class ChatTemplate {
    public static final String VICUNA_V1_SYSTEM = "A chat between a curious user and an artificial intelligence assistant. "
            + "The assistant gives helpful, detailed, and polite answers to the user's questions.";

    private ChatTemplate() {
    }

    /** One user turn; with an image, {@code <image>} and a newline precede the question. */
    public static String vicunaV1(String question, boolean withImage) {
        String user = withImage ? LlamaTokenizer.IMAGE_PLACEHOLDER + "\n" + question : question;
        return VICUNA_V1_SYSTEM + " USER: " + user + " ASSISTANT:";
    }
}
