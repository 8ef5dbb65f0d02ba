package org.invllava.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.invllava.runtime.dpa.DpaModel;
import org.invllava.runtime.dpa.Greedy;
import org.invllava.runtime.vision.ImageDecoder;

/** {@code generate --dpa-model}: one answer of a DPA checkpoint, greedy, as its evaluation decodes. */
final class DpaGenerate {
    private DpaGenerate() {}

    static int run(Path dir, Path refs, QuestionOptions.Question q, int maxTokens, double temperature, String output)
            throws IOException {
        if (q.image() == null) {
            throw new IllegalArgumentException("--dpa-model needs --image (DPA answers about one picture)");
        }
        if (temperature != 0) {
            throw new IllegalArgumentException(
                    "--dpa-model decodes greedily (its evaluation's temperature 0.01); " + "give no --temperature");
        }
        try (DpaModel model = DpaModel.load(dir, refs)) {
            Greedy.Answer a = Greedy.answer(
                    model, new ImageDecoder(QuestionOptions.MAX_PIXELS).decode(q.image()), q.prompt(), maxTokens);
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            if (output.equals("json")) {
                ObjectMapper json = new ObjectMapper();
                ObjectNode root = json.createObjectNode();
                root.putPOJO("prompt_token_ids", a.promptIds());
                root.putPOJO("token_ids", a.ids());
                root.put("text", a.text());
                out.println(json.writeValueAsString(root));
            } else {
                out.println(a.text());
            }
        }
        return 0;
    }
}
