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
import org.invllava.evaluation.world.QuestionKind;
import org.invllava.evaluation.world.World;
import org.invllava.evaluation.world.WorldQuestion;
import org.invllava.runtime.config.LlamaConfig;
import org.invllava.runtime.language.LlamaModel;
import org.invllava.runtime.model.StepInput;
import org.invllava.runtime.model.Tokenizers;
import org.invllava.runtime.nn.quant.WeightFormat;
import org.invllava.runtime.tokenizer.ChatTemplate;
import org.invllava.runtime.tokenizer.LlamaTokenizer;
import org.invllava.runtime.weights.SafetensorsWriter;
import org.invllava.runtime.weights.TensorMap;

/**
 * Stage 1 of the demo model: the frozen language model is made here, a tiny LLaMA trained as a language model on
 * the world's text (every weight trainable): captions of the training pictures, and their questions with answers
 * in the chat template (without the picture, so it learns the answer vocabulary and format, not the answers).
 * Each lettered-choice question is also asked after its picture's caption, with the options in turn rotated
 * ({@code choiceCopies} times): answering multiple choice from a description, as Vicuna answers ScienceQA's text
 * questions before LLaVA shows it a picture.
 */
final class LanguageStage {
    private LanguageStage() {}

    /**
     * The text examples of {@code samples}, tokenised: a caption per picture, a conversation per question, and
     * {@code choiceCopies} described conversations per lettered-choice question ({@link #described}).
     */
    static List<Example> examples(List<World.Sample> samples, LlamaTokenizer tokenizer, int choiceCopies) {
        List<Example> out = new ArrayList<>();
        for (World.Sample s : samples) {
            out.add(Example.text(tokenizer.encode(s.scene().caption()), tokenizer));
            for (WorldQuestion q : s.questions()) {
                out.add(conversation(Prompts.training(q), q.answer(), tokenizer));
                if (q.kind() == QuestionKind.CHOICE) {
                    for (int k = 0; k < choiceCopies; k++) {
                        WorldQuestion copy = q.rotated(k);
                        out.add(conversation(described(s.scene().caption(), copy), copy.answer(), tokenizer));
                    }
                }
            }
        }
        return out;
    }

    /** A choice question asked after a description of its picture (the caption), in place of the picture. */
    static String described(String caption, WorldQuestion q) {
        return caption + "\n" + q.prompt();
    }

    /** One user turn and the assistant's answer in the chat template, as plain text ({@link Example#text}). */
    private static Example conversation(String prompt, String answer, LlamaTokenizer tokenizer) {
        int[] promptIds = tokenizer.encodePrompt(ChatTemplate.vicunaV1(prompt, false));
        int[] answerIds = tokenizer.encode(answer);
        int[] ids =
                Arrays.copyOfRange(promptIds, 1, promptIds.length + answerIds.length); // without BOS: text() adds it
        System.arraycopy(answerIds, 0, ids, promptIds.length - 1, answerIds.length);
        return Example.text(ids, tokenizer);
    }

    /**
     * Trains the LLaMA in {@code initial} (config, tokenizer, starting weights) on {@code train} (with
     * {@code choiceCopies} described copies of each choice question) and writes it, in the same layout, to
     * {@code out}; {@code work} holds the resumable state.
     */
    static TrainState run(
            Path initial, Path out, Path work, List<World.Sample> train, int choiceCopies, TrainOptions options)
            throws Exception {
        LlamaConfig config = LlamaConfig.load(initial.resolve("config.json"));
        LlamaTokenizer tokenizer = Tokenizers.load(initial, config);
        List<Example> examples = examples(train, tokenizer, choiceCopies);
        try (NDManager root = NDManager.newBaseManager();
                Parameters params = new Parameters(root)) {
            TensorMap start = FrozenWeights.load(initial, root);
            params.addFrom(start, start.names());
            System.err.printf("[language] %d examples, %,d trainable parameters%n", examples.size(), params.count());
            TrainingLoop<Example> loop = TrainingLoop.overTokens("language", options, work.resolve("language-state"));
            TrainState state = loop.run(
                    examples,
                    params,
                    root,
                    (batch, m) -> {
                        LlamaModel lm = LlamaModel.load(
                                config,
                                params.source("language parameters").within(m),
                                null,
                                null,
                                0,
                                DataType.FLOAT32,
                                WeightFormat.FLOAT32,
                                m);
                        return CausalLoss.of(lm, batch, 0, StepInput.PatchRows.FUSION_STREAM, m);
                    },
                    (epoch, step) -> Double.NaN);
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
