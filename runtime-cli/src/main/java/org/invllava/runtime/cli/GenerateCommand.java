package org.invllava.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import org.invllava.runtime.generate.GenerationResult;
import org.invllava.runtime.generate.Generator;
import org.invllava.runtime.generate.Sampler;
import org.invllava.runtime.generate.SamplingParams;
import org.invllava.runtime.generate.TokenListener;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.model.MultimodalModel;
import org.invllava.runtime.nn.quant.WeightFormat;
import org.invllava.wire.PatchFeatures;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Answers one question about one image (or none), streaming tokens or printing one JSON object. */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description = "Answer a question about an image with Inverse-LLaVA (or LLaVA-1.5 with --llava-model).")
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    QuestionOptions question;

    @Option(names = "--max-new-tokens", defaultValue = "" + SamplingParams.DEFAULT_MAX_NEW_TOKENS)
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default)")
    double temperature;

    @Option(names = "--top-p", defaultValue = "1.0")
    double topP;

    @Option(names = "--top-k", defaultValue = "0", description = "0 = off")
    int topK;

    @Option(names = "--seed", defaultValue = "0")
    long seed;

    @Option(names = "--stop", description = "stop string (repeatable)")
    List<String> stop;

    @Option(names = "--dtype", defaultValue = "float32", description = "float32 (exact, default) or float16")
    String dtype;

    @Option(
            names = "--weights",
            defaultValue = "float32",
            description =
                    "language weights: float32 (default), float16, bfloat16, q8_0 or q4_0 (CPU, float32 activations)")
    String weights;

    @Option(
            names = "--device",
            defaultValue = "auto",
            description = "auto (GPU if the CUDA engine sees one), cpu, gpu, gpu:N")
    String device;

    @Option(names = "--output", defaultValue = "text", description = "text (stream to stdout) or json (one object)")
    String output;

    @Override
    public Integer call() throws IOException {
        if (!output.equals("text") && !output.equals("json")) {
            throw new IllegalArgumentException("--output must be text or json, got " + output);
        }
        if (question.prompt.isBlank()) {
            throw new IllegalArgumentException("--prompt must not be empty");
        }
        SamplingParams params = new SamplingParams(maxNewTokens, temperature, topP, topK, seed, stop);
        LoadOptions options = new LoadOptions(
                LoadOptions.parseDtype(dtype), LoadOptions.parseDevice(device), WeightFormat.parse(weights));
        QuestionOptions.Question q = question.read();
        try (MultimodalModel model = this.model.source().load(options)) {
            List<PatchFeatures> features = q.features(model);
            int[] ids = q.promptIds(model);
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            TokenListener listener = output.equals("text") ? (i, t, delta) -> out.print(delta) : (i, t, delta) -> {};
            GenerationResult r = new Generator(model).generate(ids, features, params, listener);
            if (output.equals("json")) {
                out.println(toJson(r));
            } else {
                out.println();
            }
        }
        return 0;
    }

    static String toJson(GenerationResult r) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        ArrayNode prompt = root.putArray("prompt_token_ids");
        for (int id : r.promptTokenIds()) {
            prompt.add(id);
        }
        ArrayNode tokens = root.putArray("token_ids");
        for (int id : r.tokenIds()) {
            tokens.add(id);
        }
        root.put("text", r.text());
        ArrayNode top = root.putArray("first_step_top_logits");
        for (Sampler.TopLogit t : r.firstStepTopLogits()) {
            top.addObject().put("id", t.id()).put("logit", t.logit());
        }
        return json.writeValueAsString(root);
    }
}
