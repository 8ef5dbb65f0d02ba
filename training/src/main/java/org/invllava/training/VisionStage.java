package org.invllava.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.invllava.evaluation.world.Item;
import org.invllava.evaluation.world.Scene;
import org.invllava.evaluation.world.ShapeKind;
import org.invllava.evaluation.world.World;
import org.invllava.runtime.config.ClipVisionConfig;
import org.invllava.runtime.nn.Scalars;
import org.invllava.runtime.tokenizer.LlamaTokenizer;
import org.invllava.runtime.vision.ClipVisionTower;
import org.invllava.runtime.vision.ImagePreprocessor;
import org.invllava.runtime.weights.SafetensorsWriter;
import org.invllava.runtime.weights.TensorMap;

/**
 * Stage 0 of the demo model: the frozen vision tower is made here, the tiny CLIP tower trained with CLIP's
 * contrastive objective on (picture, caption) pairs of the world. The image side is the serving tower
 * ({@link ClipVisionTower#encode}, last layer, patches mean-pooled) and a projection; the text side, which exists
 * only for this objective and is not kept, is a bag of the caption's tokens (an embedding table, mean over the
 * tokens, a projection). Loss: the symmetric cross-entropy of the scaled cosine similarities of a batch
 * (matching pairs on the diagonal), with CLIP's learnable temperature (initially 1/0.07); with patch labels (on
 * by default, {@link PatchLabels}) plus a per-patch classification loss. Pictures are drawn per batch, so the stage
 * can see many more pictures (20,000 by default) than the questions use.
 *
 * <p>With {@code --shape-twins} (off by default; patch labels teach the shapes better): each picture comes with its
 * twin ({@link #twin}: the same places and colours, other shapes) in the same batch, a negative only the shapes tell
 * apart, and the bag also holds each pair of tokens within one object's phrase ("red"+"circle", "circle"+"left",
 * hashed into {@link #PAIR_BUCKETS} rows) so that "a red circle and a blue square" and "a blue circle and a red
 * square" differ. With neither twins nor patch labels the tower learns colours and places and next to nothing of
 * shape.
 */
final class VisionStage {
    static final String VISUAL_PROJECTION = "contrastive.visual_projection";
    static final String TEXT_EMBEDDING = "contrastive.text_embedding";
    static final String TEXT_PROJECTION = "contrastive.text_projection";
    static final String LOGIT_SCALE = "contrastive.logit_scale";
    private static final int EMBED = 64;
    static final int PAIR_BUCKETS = 4096;

    private VisionStage() {}

    /**
     * What the vision stage learns from besides the contrastive pairs: {@code shapeTwins} as the class describes,
     * {@code patchLabels} the per-patch objective of {@link PatchLabels}.
     */
    record Objective(boolean shapeTwins, boolean patchLabels) {}

    /**
     * One pair: the preprocessed picture [3, S, S] (drawn when a batch asks for it, so that many pictures fit in
     * memory), the caption's feature counts ({@link #captionFeatures}) and the patches' labels ({@link PatchLabels#of};
     * null without that objective).
     */
    record Pair(Supplier<float[]> pixels, Map<Integer, Integer> tokens, int[][] patchLabels) {
        static Pair of(
                Scene scene, ImagePreprocessor preprocessor, LlamaTokenizer tokenizer, Objective objective, int grid) {
            return new Pair(
                    () -> preprocessor.process(scene.render()),
                    captionFeatures(scene.caption(), tokenizer, objective.shapeTwins()),
                    objective.patchLabels() ? PatchLabels.of(scene, grid) : null);
        }
    }

    static List<Pair> pairs(
            List<World.Sample> samples,
            ImagePreprocessor preprocessor,
            LlamaTokenizer tokenizer,
            Objective objective,
            int grid) {
        return samples.stream()
                .map(s -> Pair.of(s.scene(), preprocessor, tokenizer, objective, grid))
                .toList();
    }

    /** What one training item is: a sample's pair, and with shape twins its twin's, kept in one batch. */
    static List<List<Pair>> items(
            List<World.Sample> samples,
            ImagePreprocessor preprocessor,
            LlamaTokenizer tokenizer,
            Objective objective,
            int grid) {
        return samples.stream()
                .map(s -> objective.shapeTwins()
                        ? List.of(
                                Pair.of(s.scene(), preprocessor, tokenizer, objective, grid),
                                Pair.of(twin(s.scene()), preprocessor, tokenizer, objective, grid))
                        : List.of(Pair.of(s.scene(), preprocessor, tokenizer, objective, grid)))
                .toList();
    }

    /** The scene with each shape replaced by the next kind (circle → square → triangle → circle), all else kept. */
    static Scene twin(Scene scene) {
        ShapeKind[] kinds = ShapeKind.values();
        return new Scene(
                scene.size(),
                scene.items().stream()
                        .map(i -> new Item(
                                kinds[(i.shape().ordinal() + 1) % kinds.length],
                                i.colour(),
                                i.quadrant(),
                                i.cx(),
                                i.cy(),
                                i.radius()))
                        .toList());
    }

    /**
     * The caption's bag of features, ids in [0, vocab + {@link #PAIR_BUCKETS}): each token id and, with
     * {@code phrasePairs}, each unordered pair of distinct tokens within one object's phrase (phrases are joined by
     * " and "), hashed past the vocabulary.
     */
    static Map<Integer, Integer> captionFeatures(String caption, LlamaTokenizer tokenizer, boolean phrasePairs) {
        Map<Integer, Integer> counts = new LinkedHashMap<>();
        for (String phrase : phrasePairs ? caption.split(" and ") : new String[] {caption}) {
            int[] ids = tokenizer.encode(phrase);
            for (int i = 0; i < ids.length; i++) {
                counts.merge(ids[i], 1, Integer::sum);
                for (int j = i + 1; phrasePairs && j < ids.length; j++) {
                    if (ids[i] != ids[j]) {
                        int pair = Math.floorMod(
                                31 * Math.min(ids[i], ids[j]) + 1_000_003 * Math.max(ids[i], ids[j]), PAIR_BUCKETS);
                        counts.merge(tokenizer.vocabSize() + pair, 1, Integer::sum);
                    }
                }
            }
        }
        return counts;
    }

    /**
     * Trains the tower in {@code initial} (config, preprocessing, starting weights) and writes it, in the same
     * layout, to {@code out}, learning from the contrastive pairs and {@code objective}. Returns the loss history and
     * the validation image-to-caption retrieval accuracy.
     */
    static TrainState run(
            Path initial,
            Path out,
            Path work,
            List<World.Sample> train,
            List<World.Sample> validation,
            LlamaTokenizer tokenizer,
            TrainOptions options,
            Objective objective)
            throws Exception {
        ClipVisionConfig config = ClipVisionConfig.load(initial.resolve("config.json"));
        ImagePreprocessor preprocessor = ImagePreprocessor.forModel(initial, config.imageSize(), true);
        int grid = config.imageSize() / config.patchSize();
        List<List<Pair>> pairs = items(train, preprocessor, tokenizer, objective, grid);
        List<Pair> held = pairs(validation, preprocessor, tokenizer, objective, grid);
        boolean shapeTwins = objective.shapeTwins();
        int vocab = tokenizer.vocabSize() + (shapeTwins ? PAIR_BUCKETS : 0); // rows of the text side's table
        try (NDManager root = NDManager.newBaseManager();
                Parameters params = new Parameters(root)) {
            TensorMap start = FrozenWeights.load(initial, root);
            ClipVisionTower probe = ClipVisionTower.load(config, List.of(-1), start);
            List<String> used =
                    start.names().stream().filter(n -> !probe.isUnused(n)).toList();
            params.addFrom(start, used);
            SplittableRandom r = new SplittableRandom(options.seed());
            long d = config.hiddenSize();
            params.add(VISUAL_PROJECTION, uniform(EMBED * d, 1 / Math.sqrt(d), r), EMBED, d);
            params.add(TEXT_EMBEDDING, uniform(vocab * EMBED, 1.0, r), vocab, EMBED);
            params.add(TEXT_PROJECTION, uniform(EMBED * EMBED, 1 / Math.sqrt(EMBED), r), EMBED, EMBED);
            params.add(LOGIT_SCALE, new float[] {(float) Math.log(1 / 0.07)});
            if (objective.patchLabels()) {
                params.add(
                        PatchLabels.HEAD,
                        uniform(PatchLabels.OUTPUTS * d, 1 / Math.sqrt(d), r),
                        PatchLabels.OUTPUTS,
                        d);
            }
            System.err.printf(
                    "[vision] %d pictures%s%s, %,d trainable parameters (tower %s + heads)%n",
                    pairs.size(),
                    shapeTwins ? " and their shape twins" : "",
                    objective.patchLabels() ? " with patch labels" : "",
                    params.count(),
                    used.size() + " tensors");
            TrainingLoop<List<Pair>> loop =
                    new TrainingLoop<>("vision", options, work.resolve("vision-state"), List::size, "pictures");
            TrainState state = loop.run(
                    pairs,
                    params,
                    root,
                    (batch, m) -> loss(
                            config, params, batch.stream().flatMap(List::stream).toList(), vocab, m),
                    (epoch, step) -> retrieval(config, params, held, vocab, root));
            write(initial, out, start, params, used);
            return state;
        }
    }

    /** The symmetric contrastive loss of a batch of pairs, plus the patch labels' loss when the pairs carry them. */
    static NDArray loss(ClipVisionConfig config, Parameters params, List<Pair> batch, int vocab, NDManager m) {
        TensorMap p = params.source("vision parameters").within(m);
        NDArray[] embeddings = embed(config, p, batch, vocab, m);
        NDArray logits = embeddings[0]
                .matMul(embeddings[1].transpose())
                .mul(p.load(LOGIT_SCALE, new long[0]).exp()); // [B, B]
        NDArray eye = m.eye(batch.size());
        NDArray rows = logits.logSoftmax(1).mul(eye).sum();
        NDArray cols = logits.logSoftmax(0).mul(eye).sum();
        NDArray contrastive = Scalars.times(rows.add(cols), -0.5 / batch.size());
        if (batch.get(0).patchLabels() == null) {
            return contrastive;
        }
        NDArray head = p.load(
                PatchLabels.HEAD, PatchLabels.OUTPUTS, embeddings[2].getShape().get(2));
        return contrastive.add(PatchLabels.loss(
                embeddings[2], head, batch.stream().map(Pair::patchLabels).toList(), m));
    }

    /**
     * L2-normalised image and caption embeddings [B, E] of a batch and the tower's patch features [B, N, D], from
     * parameters bound to the step {@code m}.
     */
    static NDArray[] embed(ClipVisionConfig config, TensorMap p, List<Pair> batch, int vocab, NDManager m) {
        int s = config.imageSize();
        float[] pixels = new float[batch.size() * 3 * s * s];
        float[] bags = new float[batch.size() * vocab];
        for (int i = 0; i < batch.size(); i++) {
            System.arraycopy(batch.get(i).pixels().get(), 0, pixels, i * 3 * s * s, 3 * s * s);
            int total = batch.get(i).tokens().values().stream()
                    .mapToInt(Integer::intValue)
                    .sum();
            for (Map.Entry<Integer, Integer> t : batch.get(i).tokens().entrySet()) {
                bags[i * vocab + t.getKey()] = (float) t.getValue() / total;
            }
        }
        ClipVisionTower tower = ClipVisionTower.load(config, List.of(-1), p);
        NDArray features = tower.encode(m.create(pixels, new Shape(batch.size(), 3, s, s))); // [B, N, D]
        NDArray image = features.mean(new int[] {1})
                .matMul(p.load(VISUAL_PROJECTION, EMBED, features.getShape().get(2))
                        .transpose()); // [B, E]
        NDArray text = m.create(bags, new Shape(batch.size(), vocab))
                .matMul(p.load(TEXT_EMBEDDING, vocab, EMBED)) // [B, E]
                .matMul(p.load(TEXT_PROJECTION, EMBED, EMBED).transpose());
        return new NDArray[] {normalize(image), normalize(text), features};
    }

    private static NDArray normalize(NDArray x) {
        return x.div(x.square().sum(new int[] {1}, true).add(1e-8f).sqrt());
    }

    /** Share (%) of held-out pictures whose own caption is the most similar of all held-out captions. */
    static double retrieval(ClipVisionConfig config, Parameters params, List<Pair> held, int vocab, NDManager root) {
        try (NDManager m = root.newSubManager()) {
            NDArray[] e = embed(config, params.source("vision parameters").within(m), held, vocab, m);
            long[] best = e[0].matMul(e[1].transpose()).argMax(1).toLongArray();
            int right = 0;
            for (int i = 0; i < best.length; i++) {
                right += best[i] == i ? 1 : 0;
            }
            double accuracy = 100.0 * right / best.length;
            System.err.printf(
                    "[vision] validation picture-to-caption retrieval among %d: %.1f%%%s%n",
                    best.length,
                    accuracy,
                    held.get(0).patchLabels() == null
                            ? ""
                            : "; patch labels (shape, colour, count, quadrant): "
                                    + PatchLabels.accuracy(
                                            e[2],
                                            params.get(PatchLabels.HEAD),
                                            held.stream().map(Pair::patchLabels).toList()));
            return accuracy;
        }
    }

    /** The trained tower: {@code initial}'s config and preprocessing, tensors the tower does not use unchanged. */
    private static void write(Path initial, Path out, TensorMap start, Parameters params, List<String> used)
            throws IOException {
        Files.createDirectories(out);
        for (String file : List.of("config.json", "preprocessor_config.json")) {
            Files.copy(initial.resolve(file), out.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        SafetensorsWriter w = new SafetensorsWriter();
        for (String name : start.names()) {
            NDArray t = used.contains(name) ? params.get(name) : start.load(name, start.shape(name));
            Parameters.addF32(w, name, t);
        }
        w.write(out.resolve("model.safetensors"));
    }

    private static float[] uniform(long n, double bound, SplittableRandom r) {
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
        }
        return v;
    }
}
