package org.invllava.runtime.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import java.util.Locale;
import org.invllava.runtime.nn.quant.WeightFormat;

/**
 * Compute dtype, device and how the language model's linear weights are stored. float32 is exact and the default;
 * bfloat16 compute needs a path DJL 0.36 lacks, bfloat16 weights do not ({@code weights}). Weight formats other than
 * float32 keep activations in float32 and run on the CPU.
 */
public record LoadOptions(DataType dtype, Device device, WeightFormat weights) {
    public LoadOptions {
        if (weights != WeightFormat.FLOAT32
                && (dtype != DataType.FLOAT32 || !Device.cpu().equals(device))) {
            throw new IllegalArgumentException(
                    weights.label() + " weights run with float32 activations on the CPU, not " + dtype + " on " + device
                            + " (use --dtype float32 --device cpu)");
        }
    }

    public LoadOptions(DataType dtype, Device device) {
        this(dtype, device, WeightFormat.FLOAT32);
    }

    /**
     * The dtype the CLIP tower is stored in: the compute dtype, or float16 with a weight format other than float32
     * (half the memory; its large products still run in float32, {@code Fp16OnCpu}).
     */
    public DataType visionDtype() {
        return weights == WeightFormat.FLOAT32 ? dtype : DataType.FLOAT16;
    }

    public static LoadOptions defaults() {
        return new LoadOptions(DataType.FLOAT32, Engine.getEngine("PyTorch").defaultDevice());
    }

    /** Parses {@code float32|float16|bfloat16}. */
    public static DataType parseDtype(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "float32", "fp32", "f32" -> DataType.FLOAT32;
            case "float16", "fp16", "f16", "half" -> DataType.FLOAT16;
            case "bfloat16", "bf16" ->
                throw new IllegalArgumentException(
                        "bfloat16 compute is not available with the DJL 0.36 PyTorch engine (BF16 arrays abort the JVM); "
                                + "use float32 or float16 (bf16 checkpoints load fine in either), or --weights bfloat16");
            default -> throw new IllegalArgumentException("unknown dtype " + name + " (float32, float16)");
        };
    }

    /** Parses {@code cpu|gpu|gpu:N|auto}. */
    public static Device parseDevice(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.equals("auto")) {
            return Engine.getEngine("PyTorch").defaultDevice();
        }
        if (n.equals("cpu")) {
            return Device.cpu();
        }
        if (n.startsWith("gpu") || n.startsWith("cuda")) {
            int idx = n.contains(":") ? Integer.parseInt(n.substring(n.indexOf(':') + 1)) : 0;
            if (Engine.getEngine("PyTorch").getGpuCount() <= idx) {
                throw new IllegalArgumentException("device " + name + " requested but no such GPU is visible to the "
                        + "PyTorch engine (CPU flavour of the native library, or no GPU)");
            }
            return Device.gpu(idx);
        }
        throw new IllegalArgumentException("unknown device " + name + " (cpu, gpu, gpu:N, auto)");
    }
}
