package org.invllava.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.invllava.runtime.config.InverseLlavaConfig;
import org.invllava.runtime.config.LlamaConfig;
import org.invllava.runtime.model.ExpandedSequence;
import org.junit.jupiter.api.Test;

/** The estimate against counts done by hand for the demo LLaMA's shape. */
class ComputeEstimateTest {
    // d 64, 4 heads of 16 (q 64), 2 KV heads (kv 32), ffn 172, vocabulary 2048, 2 layers
    private static final LlamaConfig DEMO = new LlamaConfig(
            64, 172, 2, 4, 2, null, 1e-5, null, null, 1024, 2048, 1, List.of(2), false, "silu", null, null, null);
    // 10 rows, 4 of them patches; 2 scored
    private static final Example EXAMPLE = new Example(
            new ExpandedSequence(
                    new long[10],
                    new boolean[] {false, true, true, true, true, false, false, false, false, false},
                    new float[10 * 64],
                    64),
            new int[] {8, 9},
            new int[] {5, 2});
    // per layer: 10 rows × (q 64·64 + k, v 2·64·32 + o 64·64 + gate, up, down 3·64·172) = 453,120 and attention
    // 10² × 64 = 6,400; two layers; head 2 × 64 × 2048 = 262,144: 1,181,184 multiply-adds
    private static final long PLAIN = 2 * (453_120 + 6_400) + 262_144;
    // LoRA rank 16 on one layer: 10 × 16 × (q 128 + k 96 + v 96 + o 128 + gate, up 2·236 + down 236) = 184,960
    private static final long LORA = 184_960;

    @Test
    void inverseLlavaAddsTheFusionOnLayerZeroAndLoraOnLayerOne() {
        // fusion, visual width 64: q 10 × (64·64 + 128·64) = 122,880; k and v 10 × (64·64 + 128·32) = 81,920 each
        long fusion = 122_880 + 2 * 81_920;
        InverseLlavaConfig.Model spec = new InverseLlavaConfig.Model(
                "inverse_llava",
                new InverseLlavaConfig.Vision(List.of(-1), "patch", 64, 112, "pad"),
                new InverseLlavaConfig.Fusion(List.of(0), List.of("q", "k", "v"), "concat", null),
                LlavaStage.lora(16),
                "float32");
        ComputeEstimate e = ComputeEstimate.inverseLlava(DEMO, spec, 64);
        assertEquals(2.0 * (PLAIN + fusion + LORA), e.forward(EXAMPLE));
        assertEquals(3 * 5 * 2.0 * (PLAIN + fusion + LORA), e.training(List.of(EXAMPLE), 5), "3 × forward, per epoch");
    }

    @Test
    void llavaAddsTheProjectorOverThePatchesAndLoraOnEveryLayer() {
        long projector = 4 * (64 * 64 + 64 * 64);
        assertEquals(
                2.0 * (PLAIN + projector), ComputeEstimate.llava(DEMO, 64, 0).forward(EXAMPLE), "stage 1");
        assertEquals(
                2.0 * (PLAIN + projector + 2 * LORA),
                ComputeEstimate.llava(DEMO, 64, 16).forward(EXAMPLE),
                "stage 2");
    }
}
