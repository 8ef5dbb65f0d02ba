package org.invllava.runtime.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The tensors of one Hugging Face checkpoint directory, in whichever layout it ships:
 * {@code model.safetensors}, sharded {@code model.safetensors.index.json}, {@code pytorch_model.bin}
 * or sharded {@code pytorch_model.bin.index.json}. Only headers are read here; data is mapped on demand.
 */
public final class Checkpoint {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path source;
    private final Map<String, TensorInfo> tensors;

    private Checkpoint(Path source, Map<String, TensorInfo> tensors) {
        this.source = source;
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /** Opens the checkpoint in {@code dir}, preferring safetensors over PyTorch pickles. */
    public static Checkpoint open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new WeightException(dir + ": checkpoint directory does not exist");
        }
        for (String name : new String[] {
            "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json"
        }) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                return openFile(p);
            }
        }
        throw new WeightException(dir + ": no model.safetensors, model.safetensors.index.json, pytorch_model.bin "
                + "or pytorch_model.bin.index.json");
    }

    /** Opens one weights file: a safetensors file, a torch.save zip or a sharding index of either. */
    public static Checkpoint openFile(Path file) {
        String name = file.getFileName().toString();
        if (!Files.isRegularFile(file)) {
            throw new WeightException(file + ": weights file does not exist");
        }
        if (name.endsWith(".index.json")) {
            return new Checkpoint(file, readSharded(file));
        }
        return new Checkpoint(file, readShard(file));
    }

    private static Map<String, TensorInfo> readShard(Path file) {
        return file.getFileName().toString().endsWith(".safetensors")
                ? SafetensorsFile.readHeader(file)
                : TorchZipFile.readTensors(file);
    }

    private static Map<String, TensorInfo> readSharded(Path index) {
        JsonNode weightMap;
        try {
            weightMap = JSON.readTree(index.toFile()).get("weight_map");
        } catch (IOException e) {
            throw new WeightException(index + ": unreadable sharding index: " + e.getMessage(), e);
        }
        if (weightMap == null || !weightMap.isObject()) {
            throw new WeightException(index + ": sharding index has no weight_map");
        }
        Map<String, String> wanted = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            wanted.put(e.getKey(), e.getValue().asText());
        }
        Map<String, Map<String, TensorInfo>> shards = new LinkedHashMap<>();
        for (String shard : new LinkedHashSet<>(wanted.values())) {
            Path p = index.resolveSibling(shard);
            if (!Files.isRegularFile(p)) {
                throw new WeightException(index + ": shard " + shard + " is missing");
            }
            shards.put(shard, readShard(p));
        }
        Map<String, TensorInfo> out = new LinkedHashMap<>();
        wanted.forEach((tensor, shard) -> {
            TensorInfo info = shards.get(shard).get(tensor);
            if (info == null) {
                throw new WeightException(index + ": tensor " + tensor + " is listed in shard " + shard
                        + " but that file does not contain it");
            }
            out.put(tensor, info);
        });
        return out;
    }

    public Path source() {
        return source;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Set<String> names() {
        return tensors.keySet();
    }

    /**
     * A view of the tensors whose names start with {@code prefix}, renamed to start with {@code replacement}
     * instead ({@code language_model.model.} → {@code model.}), so that a component loads its own weights under the
     * names it always uses. Errors still name the original tensors.
     */
    public Checkpoint renamed(String prefix, String replacement) {
        Map<String, TensorInfo> out = new LinkedHashMap<>();
        tensors.forEach((name, info) -> {
            if (name.startsWith(prefix)) {
                out.put(replacement + name.substring(prefix.length()), info);
            }
        });
        return new Checkpoint(source, out);
    }

    /** This view without the tensors whose names start with {@code prefix}. */
    public Checkpoint without(String prefix) {
        Map<String, TensorInfo> out = new LinkedHashMap<>(tensors);
        out.keySet().removeIf(name -> name.startsWith(prefix));
        return new Checkpoint(source, out);
    }

    /** This view and {@code other}'s tensors together; a name in both is an error. */
    public Checkpoint plus(Checkpoint other) {
        Map<String, TensorInfo> out = new LinkedHashMap<>(tensors);
        other.tensors.forEach((name, info) -> {
            if (out.putIfAbsent(name, info) != null) {
                throw new WeightException(source + ": tensor " + name + " appears twice");
            }
        });
        return new Checkpoint(source, out);
    }

    /** The tensor {@code name}, or an error naming the checkpoint. */
    public TensorInfo require(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new WeightException(source + ": missing tensor " + name);
        }
        return info;
    }
}
