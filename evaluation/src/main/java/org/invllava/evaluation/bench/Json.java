package org.invllava.evaluation.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reading the benchmarks' JSON and jsonl files, with errors that name the file and line. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    static JsonNode read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": benchmark file not found");
        }
        try {
            return MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    /** A jsonl file's objects; blank lines skipped. A file holding one JSON array is read as its elements. */
    static List<JsonNode> lines(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": benchmark file not found");
        }
        List<JsonNode> out = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = in.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    JsonNode node = MAPPER.readTree(line);
                    if (node.isArray()) {
                        node.forEach(out::add);
                    } else {
                        out.add(node);
                    }
                } catch (IOException e) {
                    throw new IOException(file + ":" + n + ": not a JSON object: " + e.getMessage(), e);
                }
            }
        }
        return out;
    }

    /** The text of the first field present among {@code names}; an error naming the file when none is. */
    static String text(JsonNode node, Path file, String... names) throws IOException {
        for (String name : names) {
            JsonNode v = node.get(name);
            if (v != null && !v.isNull()) {
                return v.asText();
            }
        }
        throw new IOException(file + ": an entry has none of the fields " + String.join(", ", names) + ": " + node);
    }
}
