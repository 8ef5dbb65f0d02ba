package org.invllava.training;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.invllava.evaluation.world.World;
import org.invllava.evaluation.world.WorldQuestion;
import org.invllava.runtime.config.LlamaConfig;
import org.invllava.runtime.language.LlamaModel;
import org.invllava.runtime.model.StepInput;
import org.invllava.runtime.model.Tokenizers;
import org.invllava.runtime.tokenizer.ChatTemplate;
import org.invllava.runtime.tokenizer.LlamaTokenizer;
import org.invllava.runtime.weights.SafetensorsWriter;
import org.invllava.runtime.weights.TensorMap;

/**
 * Stage 1 of the demo model: the frozen language model is made here, a tiny LLaMA trained as a language model on
 * the world's text (every weight trainable): captions of the training pictures, and their questions with answers
 * in the chat template (without the picture, so it learns the answer vocabulary and format, not the answers).
 */
final class LanguageStage {
    private LanguageStage() {
    }

    /** The text examples of {@code samples}, tokenised: a caption per picture and a conversation per question. */
    static List<Example> examples(List<World.Sample> samples, LlamaTokenizer tokenizer) {
        List<Example> out = new ArrayList<>();
        for (World.Sample s : samples) {
            out.add(Example.text(tokenizer.encode(s.scene().caption()), tokenizer));
            for (WorldQuestion q : s.questions()) {
                int[] prompt = tokenizer.encodePrompt(ChatTemplate.vicunaV1(q.trainingPrompt(Prompts.bare(q)), false));
                int[] answer = tokenizer.encode(q.answer());
                int[] ids = Arrays.copyOfRange(prompt, 1, prompt.length + answer.length); // without BOS: text() adds it
                System.arraycopy(answer, 0, ids, prompt.length - 1, answer.length);
                out.add(Example.text(ids, tokenizer));
            }
        }
        return out;
    }

    /**
     * Trains the LLaMA in {@code initial} (config, tokenizer, starting weights) on {@code train} and writes it, in
     * the same layout, to {@code out}; {@code work} holds the resumable state.
     */
    static TrainState run(Path initial, Path out, Path work, List<World.Sample> train, TrainOptions options)
            throws Exception {
        LlamaConfig config = LlamaConfig.load(initial.resolve("config.json"));
        LlamaTokenizer tokenizer = Tokenizers.load(initial, config);
        List<Example> examples = examples(train, tokenizer);
        try (NDManager root = NDManager.newBaseManager(); Parameters params = new Parameters(root)) {
            TensorMap start = FrozenWeights.load(initial, root);
            params.addFrom(start, start.names());
            System.err.printf("[language] %d examples, %,d trainable parameters%n", examples.size(), params.count());
            TrainingLoop<Example> loop = TrainingLoop.overTokens("language", options, work.resolve("language-state"));
            TrainState state = loop.run(examples, params, root, (batch, m) -> {
                LlamaModel lm = LlamaModel.load(config, params.source("language parameters").within(m), null, null, 0,
                        DataType.FLOAT32, m);
                return CausalLoss.of(lm, batch, 0, StepInput.PatchRows.FUSION_STREAM, m);
            }, (epoch, step) -> Double.NaN);
            write(initial, out, params);
            return state;
        }
    }

    /** The trained LLaMA: {@code initial}'s config and tokenizer files, the parameters as {@code model.safetensors}. */
    private static void write(Path initial, Path out, Parameters params) throws IOException {
        Files.createDirectories(out);
        for (String file : List.of("config.json", "tokenizer.model", "tokenizer_config.json")) {
            if (Files.exists(initial.resolve(file))) {
                Files.copy(initial.resolve(file), out.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        SafetensorsWriter w = new SafetensorsWriter();
        params.writeTo(w);
        w.write(out.resolve("model.safetensors"));
    }
}
