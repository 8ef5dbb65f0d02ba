package org.invllava.training;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.invllava.runtime.weights.Checkpoint;
import org.invllava.runtime.weights.SafetensorsWriter;
import org.invllava.runtime.weights.TensorInfo;

/**
 * A resumable snapshot of a stage: the parameters and AdamW's moments ({@code state.safetensors}), the step, the
 * run's total steps ({@link #UNKNOWN_TOTAL} in snapshots written before it was recorded) and the loss history
 * ({@code state.json}). Written to a temporary folder, then swapped in by two renames (the previous
 * snapshot to {@code <dir>.old}, the new one to {@code <dir>}), so an interrupted save leaves a whole snapshot: the
 * new one in {@code <dir>}, or the previous one in {@code <dir>} or, between the renames, in {@code <dir>.old}.
 */
public record TrainState(int step, int totalSteps, List<Double> losses, List<double[]> validation) {
    /** The total steps of a snapshot that does not say. */
    static final int UNKNOWN_TOTAL = -1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public TrainState {
        losses = List.copyOf(losses);
        validation = List.copyOf(validation);
    }

    /** Writes the snapshot of {@code params} and {@code optimizer} into {@code dir}. */
    void save(Path dir, Parameters params, AdamW optimizer) throws IOException {
        Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp");
        deleteTree(tmp);
        Files.createDirectories(tmp);
        SafetensorsWriter w = new SafetensorsWriter();
        params.writeTo(w);
        optimizer.state().forEach((k, v) -> Parameters.addF32(w, "optimizer." + k, v));
        w.write(tmp.resolve("state.safetensors"));
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("step", step);
        meta.put("total_steps", totalSteps);
        meta.put("optimizer_steps", optimizer.steps());
        meta.put("losses", losses);
        meta.put("validation", validation);
        JSON.writeValue(tmp.resolve("state.json").toFile(), meta);
        Path old = previous(dir);
        deleteTree(old);
        if (Files.exists(dir)) {
            Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(old);
    }

    private static Path previous(Path dir) {
        return dir.resolveSibling(dir.getFileName() + ".old");
    }

    /** Reads a snapshot into {@code params} (values) and {@code optimizer} (moments); null when there is none. */
    static TrainState load(Path dir, Parameters params, AdamW optimizer) throws IOException {
        if (!Files.isRegularFile(dir.resolve("state.json"))) {
            if (!Files.isRegularFile(previous(dir).resolve("state.json"))) {
                return null;
            }
            dir = previous(dir); // interrupted between the two renames of a save
        }
        Map<?, ?> meta = JSON.readValue(dir.resolve("state.json").toFile(), Map.class);
        Checkpoint c = Checkpoint.openFile(dir.resolve("state.safetensors"));
        Map<String, float[]> moments = new LinkedHashMap<>();
        for (Map.Entry<String, TensorInfo> e : c.tensors().entrySet()) {
            float[] values = Floats.read(c, e.getKey());
            if (e.getKey().startsWith("optimizer.")) {
                moments.put(e.getKey().substring("optimizer.".length()), values);
            } else {
                NDArray p = params.get(e.getKey());
                if (p.getShape().size() != values.length) { // e.g. another --lora-rank, --shape-twins or --layers
                    throw new IllegalArgumentException(
                            dir + " holds a run with other options: " + e.getKey() + " has " + values.length
                                    + " numbers there, " + p.getShape().size() + " in this run (give another --work)");
                }
                p.set(values);
            }
        }
        optimizer.restore(params, moments, ((Number) meta.get("optimizer_steps")).intValue());
        List<Double> losses = new ArrayList<>();
        ((List<?>) meta.get("losses")).forEach(v -> losses.add(((Number) v).doubleValue()));
        List<double[]> validation = new ArrayList<>();
        ((List<?>) meta.get("validation"))
                .forEach(v -> validation.add(((List<?>) v)
                        .stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray()));
        Object total = meta.get("total_steps");
        return new TrainState(
                ((Number) meta.get("step")).intValue(),
                total == null ? UNKNOWN_TOTAL : ((Number) total).intValue(),
                losses,
                validation);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
