package org.invllava.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.invllava.gateway.ChatRequest;
import org.invllava.gateway.GatewayConfig;
import org.invllava.gateway.GatewayError;
import org.invllava.gateway.ImageInput;
import org.invllava.gateway.RequestFields;
import org.invllava.schemas.ErrorCode;

/**
 * A {@code POST /v1/chat/completions} body, read into a {@link ChatRequest}: {@code messages} (system/developer,
 * user, assistant; user content a string or {@code text} and {@code image_url} parts; one image per request),
 * {@code model}, sampling fields, {@code n}, {@code logprobs}/{@code top_logprobs}, {@code response_format},
 * {@code stream} and {@code stream_options.include_usage}. Consecutive messages of
 * one role are joined with a newline, as the template alternates user and assistant turns.
 *
 * @param imageUrl an http(s) image still to fetch (the request's image is then null)
 */
record ChatCompletionRequest(ChatRequest chat, URI imageUrl, boolean stream, boolean includeUsage) {

    /** A message being read: its role, its text parts, and whether it held the image. */
    private record Message(ChatRequest.Role role, StringBuilder text, boolean image) {}

    /** The request's one image as it is read: checked bytes, or an http(s) URL still to fetch. */
    private static final class ImageSlot {
        byte[] bytes;
        URI url;

        boolean filled() {
            return bytes != null || url != null;
        }
    }

    static ChatCompletionRequest parse(JsonNode root, GatewayConfig config, ImageInput images) throws GatewayError {
        if (root == null || !root.isObject()) {
            throw RequestFields.invalid("the request body must be a JSON object");
        }
        String model = config.models().resolve(root);
        ChatRequest.Output output = output(root);
        JsonNode messages = root.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw RequestFields.invalid("messages must be a non-empty array");
        }
        if (messages.size() > RequestFields.MAX_MESSAGES) {
            throw new GatewayError(
                    ErrorCode.PROMPT_TOO_LONG,
                    "the conversation has " + messages.size() + " messages, over the limit of "
                            + RequestFields.MAX_MESSAGES);
        }
        StringBuilder system = null;
        List<Message> turns = new ArrayList<>();
        ImageSlot image = new ImageSlot();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String role = m.path("role").asText("");
            String where = "messages[" + i + "]";
            switch (role) {
                case "system", "developer" -> {
                    String text = text(m.get("content"), where, null, images);
                    system = system == null
                            ? new StringBuilder(text)
                            : system.append('\n').append(text);
                }
                case "user" -> add(turns, ChatRequest.Role.USER, m.get("content"), where, image, images);
                case "assistant" -> add(turns, ChatRequest.Role.ASSISTANT, m.get("content"), where, null, images);
                default ->
                    throw RequestFields.invalid(where + ".role must be system, developer, user or assistant"
                            + (role.isEmpty() ? "" : ", not '" + role + "'"));
            }
        }
        if (turns.isEmpty()
                || turns.get(0).role() != ChatRequest.Role.USER
                || turns.get(turns.size() - 1).role() != ChatRequest.Role.USER) {
            throw RequestFields.invalid("the conversation must start and end with a user message");
        }
        Message last = turns.get(turns.size() - 1);
        if (last.text().toString().isBlank()) {
            throw RequestFields.invalid("the last user message needs text");
        }
        List<ChatRequest.Turn> history = new ArrayList<>();
        int chars = system == null ? 0 : system.length();
        for (Message t : turns) {
            chars += t.text().length() + RequestFields.TURN_TEMPLATE_CHARS; // an empty turn still costs template tokens
        }
        RequestFields.promptLength(chars, config.limits());
        for (Message t : turns.subList(0, turns.size() - 1)) {
            history.add(new ChatRequest.Turn(t.role(), t.text().toString(), t.image()));
        }
        ChatRequest chat = new ChatRequest(
                model,
                system == null ? null : system.toString(),
                history,
                last.text().toString(),
                image.bytes,
                RequestFields.sampling(root, config.limits()),
                RequestFields.deadline(root, config.limits()),
                output);
        JsonNode streamNode = root.get("stream");
        if (streamNode != null && !streamNode.isNull() && !streamNode.isBoolean()) {
            throw RequestFields.invalid("stream must be a boolean");
        }
        boolean stream = streamNode != null && streamNode.asBoolean();
        boolean usage = root.path("stream_options").path("include_usage").asBoolean(false);
        return new ChatCompletionRequest(chat, image.url, stream, usage);
    }

    /**
     * Features the model cannot honour are refused rather than silently ignored ({@code tools}, {@code logit_bias});
     * {@code n}, {@code logprobs}, {@code top_logprobs} and {@code response_format} are read with their exact JSON
     * types ({@link OutputFields}).
     */
    private static ChatRequest.Output output(JsonNode root) throws GatewayError {
        if (root.path("tools").size() > 0 || RequestFields.present(root, "functions")) {
            throw RequestFields.invalid("tools and functions are not supported by this model");
        }
        if (RequestFields.present(root, "logit_bias")) {
            throw RequestFields.invalid("logit_bias is not supported");
        }
        return OutputFields.output(
                OutputFields.chatLogprobs(root), OutputFields.n(root), OutputFields.chatFormat(root));
    }

    /** Adds a message's text to the last turn when it has the same role, else as a new turn. */
    private static void add(
            List<Message> turns,
            ChatRequest.Role role,
            JsonNode content,
            String where,
            ImageSlot image,
            ImageInput images)
            throws GatewayError {
        boolean hadImage = image != null && image.filled();
        String text = text(content, where, image, images);
        boolean holdsImage = image != null && !hadImage && image.filled();
        Message last = turns.isEmpty() ? null : turns.get(turns.size() - 1);
        if (last != null && last.role() == role) {
            turns.set(
                    turns.size() - 1,
                    new Message(role, last.text().append('\n').append(text), last.image() || holdsImage));
        } else {
            turns.add(new Message(role, new StringBuilder(text), holdsImage));
        }
    }

    /**
     * A message's text: a string, or parts ({@code text}; where {@code image} is given (user messages) also one
     * {@code image_url}, stored into it). Text parts are joined with newlines.
     */
    private static String text(JsonNode content, String where, ImageSlot image, ImageInput images) throws GatewayError {
        if (content == null || content.isNull()) {
            throw RequestFields.invalid(where + ".content is required");
        }
        if (content.isTextual()) {
            return RequestFields.text(content.asText(), where + ".content");
        }
        if (!content.isArray()) {
            throw RequestFields.invalid(where + ".content must be a string or an array of parts");
        }
        List<String> texts = new ArrayList<>();
        for (int p = 0; p < content.size(); p++) {
            JsonNode part = content.get(p);
            String type = part.path("type").asText("");
            String at = where + ".content[" + p + "]";
            if ("text".equals(type) && part.path("text").isTextual()) {
                texts.add(RequestFields.text(part.get("text").asText(), at + ".text"));
            } else if ("image_url".equals(type) && image != null) {
                if (image.filled()) {
                    throw RequestFields.invalid("only one image per request is supported (" + at + " is a second one)");
                }
                read(part.get("image_url"), at, images, image);
            } else {
                throw RequestFields.invalid(at + ": unsupported part type '" + type + "'"
                        + (image != null ? " (text and image_url are supported)" : " (only text is supported here)"));
            }
        }
        return String.join("\n", texts);
    }

    /** {@code {"url": "data:..."}} (or the URL as a plain string) into the slot: checked bytes, or an http(s) URL. */
    private static void read(JsonNode imageUrl, String at, ImageInput images, ImageSlot slot) throws GatewayError {
        JsonNode url = imageUrl != null && imageUrl.isObject() ? imageUrl.get("url") : imageUrl;
        if (url == null || !url.isTextual() || url.asText().isBlank()) {
            throw RequestFields.invalid(at + ".image_url.url must be a data URL or an http(s) URL");
        }
        String u = url.asText().trim();
        if (u.startsWith("data:")) {
            slot.bytes = images.fromBase64(u);
            return;
        }
        if (u.startsWith("http://") || u.startsWith("https://")) {
            try {
                slot.url = URI.create(u);
                return;
            } catch (IllegalArgumentException e) {
                throw new GatewayError(ErrorCode.INVALID_IMAGE, at + ".image_url.url is not a valid URL");
            }
        }
        throw new GatewayError(
                ErrorCode.INVALID_IMAGE,
                at + ".image_url.url must be a data URL (data:image/png;base64,...)" + " or an http(s) URL");
    }
}
