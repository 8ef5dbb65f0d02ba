package org.invllava.training;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.invllava.runtime.model.DeltaLayout;

/**
 * How a fresh delta starts, from the bundle's {@code model.fusion} fields: scales at {@code initial_scale}, the
 * text-to-vision mappers N(0, {@code mapper_init_std}) or, when null, PyTorch's Linear default U(±1/√in), the
 * output projections N(0, {@code output_init_std}) (near zero: the fused model starts as the base LLaMA),
 * visual norms at one; LoRA A as PEFT (Kaiming-uniform, a = √5: U(±1/√in)) and B at zero.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DeltaInit(
        @JsonProperty("initial_scale") Double initialScale,
        @JsonProperty("mapper_init_std") Double mapperInitStd,
        @JsonProperty("output_init_std") Double outputInitStd) {
    public DeltaInit {
        initialScale = initialScale == null ? 1.0 : initialScale;
        outputInitStd = outputInitStd == null ? 1e-4 : outputInitStd;
    }

    /** The reference values of the released tiny bundle: scale 1, default mappers, outputs N(0, 1e-4). */
    public static DeltaInit reference() {
        return new DeltaInit(1.0, null, 1e-4);
    }

    /** Adds every tensor of {@code layout} to {@code params}, initialised from {@code seed} (per tensor name). */
    public void create(Iterable<DeltaLayout.Tensor> layout, Parameters params, long seed) {
        for (DeltaLayout.Tensor t : layout) {
            params.add(
                    t.name(),
                    values(t, new SplittableRandom(seed * 31 + t.name().hashCode())),
                    t.shape());
        }
    }

    float[] values(DeltaLayout.Tensor t, SplittableRandom r) {
        int n = (int) Arrays.stream(t.shape()).reduce(1, (a, b) -> a * b);
        float[] v = new float[n];
        long in = t.shape().length == 2 ? t.shape()[1] : 1;
        switch (t.kind()) {
            case SCALE -> Arrays.fill(v, initialScale.floatValue());
            case VISUAL_NORM -> Arrays.fill(v, 1f);
            case LORA_B -> Arrays.fill(v, 0f);
            case OUTPUT -> gaussian(v, outputInitStd, r);
            case TEXT_TO_VISION -> {
                if (mapperInitStd != null) {
                    gaussian(v, mapperInitStd, r);
                } else {
                    uniform(v, 1 / Math.sqrt(in), r);
                }
            }
            case LORA_A -> uniform(v, 1 / Math.sqrt(in), r);
        }
        return v;
    }

    private static void gaussian(float[] v, double std, SplittableRandom r) {
        for (int i = 0; i < v.length; i++) {
            double u1 = r.nextDouble();
            double u2 = r.nextDouble();
            v[i] = (float) (std * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
        }
    }

    private static void uniform(float[] v, double bound, SplittableRandom r) {
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
        }
    }
}
