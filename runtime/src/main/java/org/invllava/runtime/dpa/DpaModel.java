package org.invllava.runtime.dpa;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.invllava.runtime.config.ConfigException;
import org.invllava.runtime.config.Json;
import org.invllava.runtime.config.LlamaConfig;
import org.invllava.runtime.language.LlamaModel;
import org.invllava.runtime.model.ImageEncoder;
import org.invllava.runtime.model.LoadOptions;
import org.invllava.runtime.nn.Scopes;
import org.invllava.runtime.tokenizer.LlamaTokenizer;
import org.invllava.runtime.vision.RgbImage;
import org.invllava.runtime.weights.TensorLoader;
import org.invllava.wire.PatchFeatures;

/**
 * Deep Pre-Alignment: the perceiver (Qwen2.5-VL tower + Qwen3 with M-RoPE) reads the image, its last hidden layer
 * from {@code <|vision_start|>} to {@code <|vision_end|>} (N+2 rows) goes through the {@link Aligner} into the Qwen3
 * thinker's embeddings at the same three tokens, and the thinker answers. {@link #encode} ({@link #features} +
 * {@link #align}) is what the vision side runs (the question does not enter it); the thinker runs on the serving
 * engine's {@link LlamaModel} ({@link DpaServingModel}). Either half can be loaded alone ({@link Part}).
 */
public final class DpaModel implements ImageEncoder {
    private final NDManager manager;
    private final QwenVisionTower tower;
    private final Qwen3Decoder perceiver;
    private final PerceiverConfig perceiverConfig;
    private final List<Integer> mropeSection;
    private final Aligner aligner;
    private final LlamaModel thinker;
    private final QwenTokenizer perceiverTokenizer;
    private final QwenTokenizer thinkerTokenizer;
    private final QwenImageProcessor processor;
    private final SpecialIds perceiverIds;
    private final SpecialIds thinkerIds;
    private final DataType thinkerDtype;

    /** The ids of {@code <|vision_start|>}, {@code <|image_pad|>}, {@code <|vision_end|>} in one tokenizer. */
    record SpecialIds(int visionStart, int imagePad, int visionEnd) {
        static SpecialIds of(QwenTokenizer t) {
            return new SpecialIds(
                    t.id(DpaPrompts.VISION_START), t.id(DpaPrompts.IMAGE_PAD), t.id(DpaPrompts.VISION_END));
        }

        /** Refuses a config whose {@code key} (when present) names another id than the tokenizer's {@code id}. */
        static void check(Path file, JsonNode config, String key, int id) {
            JsonNode value = config.get(key);
            if (value != null && value.isInt() && value.asInt() != id) {
                throw new ConfigException(file + ": " + key + " is " + value.asInt() + " but the perceiver's tokenizer "
                        + "gives " + id + " (a config and a tokenizer of different models?)");
            }
        }
    }

    private DpaModel(Builder b) {
        this.manager = b.manager;
        this.tower = b.tower;
        this.perceiver = b.perceiver;
        this.perceiverConfig = b.paths.perceiver();
        this.mropeSection = b.mropeSection;
        this.aligner = b.aligner;
        this.thinker = b.thinker;
        this.perceiverTokenizer = b.perceiverTokenizer;
        this.thinkerTokenizer = b.thinkerTokenizer;
        this.processor = b.processor;
        this.thinkerDtype = b.thinkerDtype;
        this.perceiverIds = perceiverTokenizer == null ? null : SpecialIds.of(perceiverTokenizer);
        this.thinkerIds = thinkerTokenizer == null ? null : SpecialIds.of(thinkerTokenizer);
        SpecialIds checked = perceiverIds != null ? perceiverIds : thinkerIds;
        for (Path file : b.paths.idConfigs()) {
            JsonNode config = Json.readTree(file);
            SpecialIds.check(file, config, "image_token_id", checked.imagePad());
            SpecialIds.check(file, config, "vision_start_token_id", checked.visionStart());
            SpecialIds.check(file, config, "vision_end_token_id", checked.visionEnd());
        }
    }

    /** The two halves a service loads alone: the vision side (tower, perceiver, aligner) and the thinker. */
    public enum Part {
        VISION,
        THINKER
    }

    private static final class Builder {
        NDManager manager;
        Path dir;
        DpaPaths paths;
        QwenVisionTower tower;
        Qwen3Decoder perceiver;
        Aligner aligner;
        LlamaModel thinker;
        QwenTokenizer perceiverTokenizer;
        QwenTokenizer thinkerTokenizer;
        QwenImageProcessor processor;
        List<Integer> mropeSection;
        DataType thinkerDtype = DataType.FLOAT32;

        /** Tower, perceiver and aligner in float32 (whatever the thinker's options), every tensor checked. */
        void loadVision(LlamaConfig thinkerConfig) {
            LlamaConfig perceiverLm = LlamaConfig.load(paths.perceiverLlm().resolve("config.json"));
            if (paths.perceiver().headDim() != perceiverLm.headDim()) {
                throw new ConfigException(dir + ": the perceiver's rotary head size "
                        + paths.perceiver().headDim() + " (perceiver_config) differs from its LLM's head_dim "
                        + perceiverLm.headDim());
            }
            mropeSection = paths.perceiver()
                    .mropeSection(List.of(
                            Json.readTree(paths.perceiverLlm().resolve("config.json")),
                            Json.readTree(paths.vision().resolve("config.json"))));
            // the merger is re-dimensioned to the perceiver LLM's width: its output is read from the checkpoint
            QwenVisionConfig vision = QwenVisionConfig.load(paths.vision().resolve("config.json"))
                    .withOutHiddenSize(perceiverLm.hiddenSize());
            TensorLoader w = new TensorLoader(paths.weights().without("thinker."), manager, DataType.FLOAT32);
            tower = QwenVisionTower.load(w, "visual.", vision);
            perceiver = Qwen3Decoder.load(w, "perceiver.", perceiverLm);
            aligner = Aligner.load(w, "aligner.", perceiverLm.hiddenSize(), thinkerConfig.hiddenSize());
            w.checkAllUsed(name -> false);
            perceiverTokenizer = QwenTokenizer.load(paths.processor());
            processor = QwenImageProcessor.load(paths.processor());
        }

        /**
         * The thinker on the serving engine's decoder (Qwen3's q/k norms from its model_type), in {@code options};
         * it stops at {@code <|im_end|>} and {@code <|endoftext|>} (Qwen3's generation config) besides its config's
         * EOS.
         */
        void loadThinker(LlamaConfig config, LoadOptions options) {
            thinkerTokenizer = QwenTokenizer.load(paths.thinkerTokenizer());
            LinkedHashSet<Integer> eos = new LinkedHashSet<>(config.eosTokenIds());
            eos.add(thinkerTokenizer.id(DpaPrompts.IM_END));
            eos.add(thinkerTokenizer.id(DpaPrompts.END_OF_TEXT));
            LlamaConfig thinkerConfig = config.withEosTokenIds(List.copyOf(eos));
            TensorLoader t = new TensorLoader(paths.weights().renamed("thinker.", ""), manager, options.dtype());
            thinker = LlamaModel.load(
                    thinkerConfig,
                    t,
                    null,
                    null,
                    null,
                    thinkerConfig.hiddenSize(),
                    options.dtype(),
                    options.weights(),
                    manager);
            t.checkAllUsed(name -> LlamaModel.isUnused(name) || name.equals("lm_head.weight"));
            thinkerDtype = options.dtype();
        }
    }

    /** Loads a DPA checkpoint in either layout ({@link DpaPaths}), float32, checking every tensor's name and shape. */
    public static DpaModel load(Path dir, Path refs) {
        return load(dir, refs, EnumSet.allOf(Part.class), LoadOptions.defaults());
    }

    /**
     * Loads {@code parts} of a DPA checkpoint; {@code options} (dtype, weight format) apply to the thinker, the vision
     * side runs in float32.
     */
    public static DpaModel load(Path dir, Path refs, Set<Part> parts, LoadOptions options) {
        Builder b = new Builder();
        b.dir = dir;
        b.paths = DpaPaths.open(dir, refs);
        b.manager = NDManager.newBaseManager();
        try {
            LlamaConfig thinkerConfig = LlamaConfig.load(b.paths.thinker().resolve("config.json"));
            if (parts.contains(Part.VISION)) {
                b.loadVision(thinkerConfig);
            }
            if (parts.contains(Part.THINKER)) {
                b.loadThinker(thinkerConfig, options);
            }
            return new DpaModel(b);
        } catch (RuntimeException e) {
            for (QwenTokenizer t : new QwenTokenizer[] {b.perceiverTokenizer, b.thinkerTokenizer}) {
                if (t != null) {
                    t.close();
                }
            }
            b.manager.close();
            throw e;
        }
    }

    public QwenImageProcessor processor() {
        return need(processor, "vision side");
    }

    public QwenTokenizer thinkerTokenizer() {
        return need(thinkerTokenizer, "thinker");
    }

    public LlamaModel thinker() {
        return need(thinker, "thinker");
    }

    public DataType thinkerDtype() {
        return thinkerDtype;
    }

    public LlamaConfig thinkerConfig() {
        return thinker().config();
    }

    /** {@code part}, or the error of a model loaded without it ({@link Part}). */
    private static <T> T need(T part, String what) {
        if (part == null) {
            throw new IllegalStateException("this DPA model was loaded without its " + what);
        }
        return part;
    }

    /** A manager for tensors that live as long as this model at most. */
    public NDManager newManager() {
        return manager.newSubManager();
    }

    /** Whether the vision side (tower, perceiver, aligner) was loaded. */
    public boolean hasVision() {
        return tower != null;
    }

    /** The merged tokens an image of {@code pixels} becomes. */
    public int imageTokens(QwenImageProcessor.Pixels pixels) {
        return pixels.tokens(need(tower, "vision side").config().spatialMergeSize());
    }

    /** The tower's merged rows [N, P] of one image. */
    public NDArray visionRows(NDManager m, QwenImageProcessor.Pixels px) {
        need(tower, "vision side");
        NDArray values = m.create(px.values(), new Shape((long) px.gridH() * px.gridW(), px.rowLength()));
        return tower.forward(m, values, px.gridH(), px.gridW());
    }

    /** The perceiver's features [N+2, P]: its last hidden layer over vision_start … vision_end of the prefix. */
    public NDArray features(NDManager m, QwenImageProcessor.Pixels px) {
        int n = imageTokens(px);
        int[] ids = need(perceiverTokenizer, "vision side").encode(DpaPrompts.perceiverPrefix(n));
        int start = span(ids, perceiverIds, n, "perceiver prompt");
        NDArray embeds = scatter(m, perceiver, ids, start + 1, n, visionRows(m, px)); // [L, P]
        long[][] positions = MropePositions.of(ids, perceiverIds.imagePad(), px.gridH() / 2, px.gridW() / 2);
        Rotary rope =
                Rotary.multimodal(m, perceiverConfig.ropeTheta(), perceiverConfig.headDim(), mropeSection, positions);
        NDArray hidden = perceiver.forward(embeds, rope); // [L, P]
        return hidden.get(new NDIndex(start + ":" + (start + n + 2)));
    }

    /** The aligned rows [N+2, T] the thinker reads in place of its three image tokens' embeddings. */
    public NDArray align(NDArray features) {
        return aligner.forward(features);
    }

    /**
     * What the vision side of a served DPA sends (the perceiver and the aligner; the question does not enter): the
     * aligned rows [N+2, T] of one image as a features message, vision_start and vision_end rows included.
     */
    public PatchFeatures encode(RgbImage image) {
        return Scopes.inference(() -> {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray aligned = align(features(m, processor().process(image))); // [N+2, T]
                long[] shape = aligned.getShape().getShape();
                return new PatchFeatures((int) shape[0], (int) shape[1], aligned.toFloatArray());
            }
        });
    }

    @Override
    public void check(RgbImage image) {
        processor().check(image);
    }

    /** {@link #encode} of each image (a vision encoder's batch; DPA's N varies per image, so one at a time). */
    @Override
    public List<PatchFeatures> encodeImages(List<RgbImage> images) {
        return images.stream().map(this::encode).toList();
    }

    /**
     * The thinker's prompt for the serving decoder: {@code ids} with the span vision_start … vision_end collapsed
     * into one image token ({@link LlamaTokenizer#IMAGE_TOKEN_ID}), whose N+2 rows {@link #encode} gives (LLaVA's
     * route: rows as input embeddings).
     */
    public int[] collapseImageSpan(int[] ids) {
        int start = MropePositions.firstIndexOf(ids, need(thinkerIds, "thinker").visionStart());
        int end = MropePositions.firstIndexOf(ids, thinkerIds.visionEnd());
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("thinker prompt: no <|vision_start|> … <|vision_end|> span");
        }
        int[] out = new int[ids.length - (end - start)];
        System.arraycopy(ids, 0, out, 0, start);
        out[start] = LlamaTokenizer.IMAGE_TOKEN_ID;
        System.arraycopy(ids, end + 1, out, start + 1, ids.length - end - 1);
        return out;
    }

    /** The thinker's prompt ids for an image of {@code n} tokens and {@code question}. */
    public int[] thinkerIds(int n, String question) {
        return thinkerTokenizer().encode(DpaPrompts.thinker(n, question));
    }

    /** {@code ids}' embeddings with rows {@code at … at+count−1} replaced by {@code rows}. */
    private static NDArray scatter(NDManager m, Qwen3Decoder lm, int[] ids, int at, int count, NDArray rows) {
        NDList parts = new NDList();
        if (at > 0) {
            parts.add(lm.embed(m, Arrays.copyOfRange(ids, 0, at)));
        }
        parts.add(rows);
        if (at + count < ids.length) {
            parts.add(lm.embed(m, Arrays.copyOfRange(ids, at + count, ids.length)));
        }
        return NDArrays.concat(parts, 0);
    }

    /** Where {@code <|vision_start|>} is, checking that n pads and {@code <|vision_end|>} follow it. */
    private static int span(int[] ids, SpecialIds s, int n, String what) {
        int start = MropePositions.firstIndexOf(ids, s.visionStart());
        boolean ok = start >= 0 && start + n + 1 < ids.length && ids[start + n + 1] == s.visionEnd();
        for (int i = 1; ok && i <= n; i++) {
            ok = ids[start + i] == s.imagePad();
        }
        if (!ok) {
            throw new IllegalArgumentException(
                    what + ": expected <|vision_start|>, " + n + " <|image_pad|> and <|vision_end|> in a row");
        }
        return start;
    }

    @Override
    public void close() {
        for (QwenTokenizer t : new QwenTokenizer[] {perceiverTokenizer, thinkerTokenizer}) {
            if (t != null) {
                t.close();
            }
        }
        manager.close();
    }
}
