package org.invllava.runtime.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.invllava.runtime.config.LlamaConfig;
import org.invllava.runtime.dpa.MropePositions;
import org.invllava.runtime.dpa.Qwen3Decoder;
import org.invllava.runtime.dpa.QwenVisionConfig;
import org.invllava.runtime.dpa.QwenVisionTower;
import org.invllava.runtime.dpa.Rotary;
import org.invllava.runtime.generate.Sampler;
import org.invllava.runtime.language.LlamaModel;
import org.invllava.runtime.model.ExpandedSequence;
import org.invllava.runtime.model.Sequence;
import org.invllava.runtime.model.StepInput;
import org.invllava.runtime.nn.quant.WeightFormat;
import org.invllava.runtime.tokenizer.LlamaTokenizer;
import org.invllava.wire.PatchFeatures;

/**
 * {@code bench --model dpa}: the DPA family's three parts with random weights of a real shape, float32, one after
 * the other (each part's weights freed before the next): the vision tower per picture side, the perceiver over the
 * prompt prefix (M-RoPE), the thinker's prefill and decode. Peak RSS is the process's.
 */
public final class DpaBench {
    /** The three parts' configs. DPA-4B: Qwen2.5-VL-3B tower, Qwen3-0.6B perceiver (INFERRED), Qwen3-4B thinker. */
    public record DpaShape(String name, QwenVisionConfig vision, LlamaConfig perceiver, LlamaConfig thinker) {
        public static DpaShape dpa4b() {
            return new DpaShape(
                    "dpa-4b",
                    vision(32, 1280, 3420, 16, List.of(7, 15, 23, 31), 1024),
                    qwen3(1024, 3072, 28, 16, 8),
                    qwen3(2560, 9728, 36, 32, 8));
        }

        public static DpaShape tiny() {
            return new DpaShape(
                    "tiny", vision(4, 32, 48, 2, List.of(1, 3), 48), qwen3(48, 64, 2, 4, 2), qwen3(40, 72, 3, 4, 2));
        }

        static QwenVisionConfig vision(int depth, int width, int ffn, int heads, List<Integer> full, int out) {
            return new QwenVisionConfig(depth, width, ffn, heads, 3, 14, 2, 2, 112, full, out, "silu");
        }

        static LlamaConfig qwen3(int width, int ffn, int layers, int heads, int kvHeads) {
            return new LlamaConfig(
                    width, ffn, layers, heads, kvHeads, 128, 1e-6, 1e6, null, 40960, 151936, null, null, true, "silu",
                    "qwen3", null, false);
        }
    }

    /** One measured line. */
    public record Line(String part, String input, double ms, String unit) {}

    private final DpaShape shape;
    private final int runs;
    private final int decodeTokens;
    private final List<WeightFormat> thinkerFormats;

    public DpaBench(DpaShape shape, int runs, int decodeTokens, List<WeightFormat> thinkerFormats) {
        this.shape = shape;
        this.runs = runs;
        this.decodeTokens = decodeTokens;
        this.thinkerFormats = List.copyOf(thinkerFormats);
    }

    /** Measures pictures of each side in {@code sides} (pixels, multiples of 28); prints as it goes. */
    public List<Line> run(PrintStream out, int[] sides) {
        List<Line> lines = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager()) {
            QwenVisionTower tower = QwenVisionTower.load(new RandomTensors(m), "visual.", shape.vision());
            for (int side : sides) {
                int grid = side / 14;
                NDArray pixels = m.randomNormal(0, 1, new Shape((long) grid * grid, 1176), DataType.FLOAT32);
                double ms = time(() -> tower.forward(m, pixels, grid, grid));
                lines.add(print(out, new Line("vision tower", side + "x" + side, ms, "ms/image")));
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            Qwen3Decoder perceiver = Qwen3Decoder.load(new RandomTensors(m), "perceiver.", shape.perceiver());
            for (int side : sides) {
                int n = (side / 28) * (side / 28);
                int[] ids = prefixIds(n);
                long[][] positions = MropePositions.of(ids, 1, side / 28, side / 28);
                LlamaConfig c = shape.perceiver();
                double ms = time(() -> {
                    NDArray x = m.randomNormal(0, 1, new Shape(ids.length, c.hiddenSize()), DataType.FLOAT32);
                    Rotary rope = Rotary.multimodal(m, 1e6, c.headDim(), List.of(16, 24, 24), positions);
                    return perceiver.forward(x, rope);
                });
                lines.add(print(out, new Line("perceiver prefix", ids.length + " tokens (" + side + "px)", ms, "ms")));
            }
        }
        for (WeightFormat format : thinkerFormats) {
            lines.addAll(thinker(out, format, sides[0]));
        }
        out.printf(Locale.ROOT, "peak RSS %.2f GiB%n", ProcessMemory.peakRss() / (double) (1L << 30));
        return lines;
    }

    /** The thinker on the serving engine's decoder with its weights in {@code format}: prefill, then decode. */
    private List<Line> thinker(PrintStream out, WeightFormat format, int side) {
        List<Line> measured = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaConfig c = shape.thinker(); // on the serving engine's decoder, as DPA's thinker runs
            LlamaModel thinker = LlamaModel.load(
                    c, new RandomTensors(m), null, null, null, c.hiddenSize(), DataType.FLOAT32, format, m);
            int n = (side / 28) * (side / 28) + 2;
            int[] ids = new int[41];
            ids[20] = LlamaTokenizer.IMAGE_TOKEN_ID; // 20 text ids, the image's N+2 rows, 20 text ids
            float[] rows = m.randomNormal(0, 1, new Shape(n, c.hiddenSize()), DataType.FLOAT32)
                    .toFloatArray();
            ExpandedSequence prompt = ExpandedSequence.build(
                    ids, List.of(new PatchFeatures(n, c.hiddenSize(), rows)), c.hiddenSize(), c.vocabSize());
            try (Sequence sequence = new Sequence(
                    m.newSubManager(),
                    thinker,
                    DataType.FLOAT32,
                    () -> new StepInput(c.hiddenSize(), StepInput.PatchRows.INPUT_EMBEDDING))) {
                long start = System.nanoTime();
                float[] logits = sequence.prefill(prompt);
                measured.add(print(
                        out,
                        new Line(
                                "thinker prefill (" + format.label() + ")",
                                prompt.length() + " tokens",
                                (System.nanoTime() - start) / 1e6,
                                "ms")));
                start = System.nanoTime();
                for (int i = 0; i < decodeTokens; i++) {
                    logits = sequence.decode(Sampler.argMax(logits));
                }
                double perToken = (System.nanoTime() - start) / 1e6 / decodeTokens;
                measured.add(print(
                        out,
                        new Line(
                                "thinker decode (" + format.label() + ")",
                                decodeTokens + " tokens after " + prompt.length(),
                                perToken,
                                "ms/token")));
            }
        }
        return measured;
    }

    private static Line print(PrintStream out, Line l) {
        out.printf(Locale.ROOT, "| %s | %s | %.1f %s |%n", l.part(), l.input(), l.ms(), l.unit());
        return l;
    }

    /** Mean ms of {@code runs} calls after one warm-up. */
    private double time(Supplier<NDArray> call) {
        call.get().getFloat(0, 0); // warm-up, forced
        long start = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            call.get().getFloat(0, 0);
        }
        return (System.nanoTime() - start) / 1e6 / runs;
    }

    /** A perceiver prefix's ids: 20 text ids (0), vision_start (2), {@code n} pads (1), vision_end (3). */
    private static int[] prefixIds(int n) {
        int[] ids = new int[20 + n + 2];
        ids[20] = 2;
        for (int i = 0; i < n; i++) {
            ids[21 + i] = 1;
        }
        ids[21 + n] = 3;
        return ids;
    }
}
