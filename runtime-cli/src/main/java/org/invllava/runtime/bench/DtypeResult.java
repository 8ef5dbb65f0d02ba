package org.invllava.runtime.bench;

/** Measurements of one compute dtype. Rates in SI units (bytes/s, FLOP/s), times in milliseconds. */
public record DtypeResult(
        String model,
        String dtype,
        double loadSeconds,
        double visionMsPerImage,
        int prefillTokens,
        double prefillTokensPerSecond,
        double prefillFlops,
        double decodeMsPerToken,
        double decodeWeightBytes,
        long peakRssBytes,
        double gemmFlops,
        double bandwidth) {

    /** Weight bytes streamed per decode token per second, over the measured read bandwidth. */
    public double decodeRooflineRatio() {
        return decodeWeightBytes / (decodeMsPerToken / 1000) / bandwidth;
    }

    /** Achieved prefill FLOP/s over the measured GEMM FLOP/s of this dtype. */
    public double prefillGemmRatio() {
        return prefillFlops / gemmFlops;
    }
}
