package org.invllava.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.invllava.fusion.svc.FusionLlmSettings;
import org.invllava.gateway.GatewaySettings;
import org.invllava.host.config.ServiceConfig;
import org.invllava.vision.svc.VisionEncoderSettings;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code docs/operations.md}'s configuration tables against the code: each service's table (with the one for every
 * service) lists exactly the variables it reads, and every default the table gives as a leading literal is the one
 * the code (or the Quarkus app's {@code application.properties}) falls back to.
 */
class ConfigurationDocsTest {
    private static final Path DOC = Path.of("..", "docs", "operations.md");
    /** Read by the runtime itself (not through the service's settings). */
    private static final Map<String, Set<String>> RUNTIME_VARIABLES = Map.of(
            "fusion-llm-svc",
            Set.of(
                    "INVERSE_LLAVA_PACKED_WEIGHTS",
                    "INVERSE_LLAVA_KERNELS",
                    "INVERSE_LLAVA_KERNEL_THREADS",
                    "MALLOC_ARENA_MAX",
                    "OMP_NUM_THREADS"),
            "vision-encoder-svc",
            Set.of("MALLOC_ARENA_MAX", "OMP_NUM_THREADS"),
            "gateway",
            Set.of());

    /** A documented variable: its default cell's leading literal (null when the cell does not start with one). */
    private record Row(String variable, String defaultLiteral, String defaultCell) {}

    @ParameterizedTest
    @ValueSource(strings = {"Vision encoder", "Fusion LLM", "Gateway"})
    void theTableListsWhatTheServiceReadsWithItsDefaults(String section) throws Exception {
        String module = switch (section) {
            case "Vision encoder" -> "vision-encoder-svc";
            case "Fusion LLM" -> "fusion-llm-svc";
            default -> "gateway";
        };
        Map<String, Row> documented = new LinkedHashMap<>(rows("Every service"));
        documented.putAll(rows(section));
        Map<String, String> read = ServiceConfig.variables(mapping(module)); // variable -> default (null: none)
        Map<String, String> quarkus = quarkusDefaults(module);

        Set<String> undocumented = new TreeSet<>(read.keySet());
        undocumented.removeAll(documented.keySet());
        documented.values().forEach(r -> undocumented.removeAll(literals(r.defaultCell()))); // a fallback: `HOSTNAME`
        assertTrue(undocumented.isEmpty(), section + " reads variables the docs do not list: " + undocumented);

        Set<String> unread = new TreeSet<>(documented.keySet());
        unread.removeAll(read.keySet());
        unread.removeAll(quarkus.keySet());
        unread.removeAll(RUNTIME_VARIABLES.get(module));
        assertTrue(unread.isEmpty(), "the docs list variables " + section + " never reads: " + unread);

        int compared = 0;
        for (Row row : documented.values()) {
            String code = read.get(row.variable()) != null ? read.get(row.variable()) : quarkus.get(row.variable());
            if (row.defaultCell().startsWith("required")) {
                assertTrue(
                        read.containsKey(row.variable()) && read.get(row.variable()) == null,
                        row.variable() + " is documented as required");
            } else if (row.defaultLiteral() != null && code != null) {
                assertEquals(code, row.defaultLiteral(), section + ": the documented default of " + row.variable());
                compared++;
            }
        }
        assertTrue(compared >= 5, section + ": only " + compared + " defaults compared");
    }

    /** The rows of the table under {@code ### section}; a row may name two variables with two defaults. */
    private static Map<String, Row> rows(String section) throws Exception {
        String doc = Files.readString(DOC);
        int start = doc.indexOf("\n### " + section + "\n");
        assertTrue(start >= 0, "no section " + section + " in " + DOC);
        int end = doc.indexOf("\n#", start + 5);
        Map<String, Row> out = new LinkedHashMap<>();
        for (String line : doc.substring(start, end < 0 ? doc.length() : end).split("\n")) {
            if (!line.startsWith("| `")) {
                continue;
            }
            String[] cells = line.split("\\|");
            List<String> names = literals(cells[1]);
            String defaults = cells[2].trim();
            List<String> values = literals(defaults);
            for (int i = 0; i < names.size(); i++) {
                String literal = defaults.startsWith("`") && values.size() > i ? values.get(i) : null;
                out.put(
                        names.get(i),
                        new Row(names.get(i), names.size() > 1 || literal == null ? literal : values.get(0), defaults));
            }
        }
        assertFalse(out.isEmpty(), "no rows under " + section);
        return out;
    }

    private static List<String> literals(String cell) {
        Matcher m = Pattern.compile("`([^`]*)`").matcher(cell);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** {@code ${NAME:default}} in the module's application.properties. */
    private static Map<String, String> quarkusDefaults(String module) throws Exception {
        Matcher m = Pattern.compile("\\$\\{([A-Z0-9_]+):([^}]*)}")
                .matcher(Files.readString(Path.of("..", module, "src/main/resources/application.properties")));
        Map<String, String> out = new HashMap<>();
        while (m.find()) {
            out.putIfAbsent(m.group(1), m.group(2));
        }
        return out;
    }

    private static Class<?> mapping(String module) {
        return switch (module) {
            case "vision-encoder-svc" -> VisionEncoderSettings.class;
            case "fusion-llm-svc" -> FusionLlmSettings.class;
            default -> GatewaySettings.class;
        };
    }
}
