package org.invllava.runtime.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.invllava.runtime.nn.Linear;
import org.invllava.runtime.nn.PackedWeight;

/** What this machine can do through the same engine: streaming read bandwidth and GEMM throughput. */
public final class MachineProbe {
    private MachineProbe() {}

    /** Bytes/s of summing a 1 GiB float32 array (best of {@code runs}). */
    /** The CPU's model name, core count and the vector features that matter here (AVX2, AVX-512, AMX). */
    public static String cpuDescription() {
        String model = "unknown CPU";
        String flags = "";
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name") && model.equals("unknown CPU")) {
                    model = line.substring(line.indexOf(':') + 1).trim();
                } else if (line.startsWith("flags") && flags.isEmpty()) {
                    flags = " " + line.substring(line.indexOf(':') + 1).trim() + " ";
                }
            }
        } catch (java.io.IOException e) {
            return model;
        }
        StringBuilder features = new StringBuilder();
        for (String f : new String[] {"avx2", "f16c", "avx512f", "avx512_bf16", "avx512_fp16", "amx_tile"}) {
            if (flags.contains(" " + f + " ")) {
                features.append(features.length() == 0 ? "" : ",").append(f);
            }
        }
        String preload = System.getenv().getOrDefault("LD_PRELOAD", "");
        return model + ", " + Runtime.getRuntime().availableProcessors() + " cores, " + features
                + (preload.contains("mkl-vendor-shim") ? ", MKL vendor shim on" : ", MKL vendor shim off")
                + (PackedWeight.appliesTo(DataType.FLOAT32, Device.cpu())
                        ? ", float32 weights packed"
                        : ", float32 weights unpacked ("
                                + PackedWeight.unavailable().orElse("switched off") + ")");
    }

    public static double readBandwidth(NDManager manager, int runs) {
        long n = 1L << 28;
        try (NDManager m = manager.newSubManager()) {
            NDArray a = m.ones(new Shape(n), DataType.FLOAT32);
            double best = Double.MAX_VALUE;
            for (int i = 0; i < runs + 1; i++) {
                long t0 = System.nanoTime();
                a.sum().toFloatArray();
                double s = (System.nanoTime() - t0) / 1e9;
                if (i > 0) {
                    best = Math.min(best, s);
                }
            }
            return n * 4 / best;
        }
    }

    /**
     * FLOP/s of a [512, 4096]·[4096, 4096]ᵀ product in {@code type} through the runtime's {@link Linear}, i.e. the
     * kernel prefill really uses (packed where the model's weights are; float16 on the CPU runs as float32 GEMM plus
     * casts).
     */
    public static double gemmFlops(NDManager manager, DataType type, int runs) {
        try (NDManager m = manager.newSubManager()) {
            NDArray a = m.randomUniform(-1, 1, new Shape(512, 4096)).toType(type, false);
            Linear b = new Linear(m.randomUniform(-1, 1, new Shape(4096, 4096)).toType(type, false)).packed();
            double best = Double.MAX_VALUE;
            for (int i = 0; i < runs + 1; i++) {
                try (NDManager step = m.newSubManager()) {
                    a.tempAttach(step);
                    long t0 = System.nanoTime();
                    b.forward(a).toType(DataType.FLOAT32, false).sum().toFloatArray();
                    double s = (System.nanoTime() - t0) / 1e9;
                    if (i > 0) {
                        best = Math.min(best, s);
                    }
                }
            }
            return 2.0 * 512 * 4096 * 4096 / best;
        }
    }
}
