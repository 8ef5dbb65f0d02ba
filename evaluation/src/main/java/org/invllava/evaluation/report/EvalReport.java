package org.invllava.evaluation.report;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One model's results on one or more benchmarks, as written to {@code results.json} (and read back to compare
 * models). Metric values: accuracies in percent, MME scores in points.
 */
public record EvalReport(
        @JsonProperty("model") String model,
        @JsonProperty("source") String source,
        @JsonProperty("benchmarks") List<Entry> benchmarks) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public EvalReport {
        benchmarks = List.copyOf(benchmarks);
    }

    /** A benchmark's scores and how the run went. */
    public record Entry(
            @JsonProperty("benchmark") String benchmark,
            @JsonProperty("questions") int questions,
            @JsonProperty("errors") int errors,
            @JsonProperty("seconds") double seconds,
            @JsonProperty("metrics") Map<String, Double> metrics,
            @JsonProperty("categories") Map<String, Map<String, Double>> categories) {
        /** The first metric: the one the benchmark is known by (accuracy, F1, MME perception). */
        public Map.Entry<String, Double> headline() {
            return metrics.entrySet().iterator().next();
        }
    }

    public void write(Path file) throws IOException {
        JSON.writeValue(file.toFile(), this);
    }

    public static EvalReport read(Path file) throws IOException {
        try {
            return JSON.readValue(file.toFile(), EvalReport.class);
        } catch (IOException e) {
            throw new IOException(file + ": not an eval results file: " + e.getMessage(), e);
        }
    }
}
