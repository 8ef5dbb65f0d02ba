package org.invllava.wire.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The subset of JSON Schema that structured outputs enforce while decoding, compiled into a tree of {@link Node}s:
 * {@code type} (object, array, string, number, integer, boolean, null, or a list of them that differ in their first
 * character), {@code properties}, {@code required}, {@code additionalProperties} (false or true: no other key is ever
 * generated), {@code items}, {@code minItems}, {@code maxItems}, {@code minLength}, {@code maxLength}, {@code enum},
 * {@code const}, and the annotations {@code title}, {@code description}, {@code default}, {@code examples},
 * {@code $schema}. Keys come in the order the schema lists them (optional ones may be left out). Anything else
 * ({@code pattern}, {@code anyOf}, {@code $ref}, {@code minimum}, ...) is refused by name: a constraint the decoder
 * cannot enforce is not silently dropped. Sizes are bounded ({@link #MAX_DEPTH}, {@link #MAX_NODES},
 * {@link #MAX_LITERALS}) so that no schema makes the grammar unbounded.
 */
public final class JsonSchema {
    /** Nesting of objects and arrays, at most. */
    public static final int MAX_DEPTH = 8;
    /** Schema nodes (every property, item and type), at most. */
    public static final int MAX_NODES = 512;
    /** Values of one {@code enum}, at most; characters of one enum or const value as JSON, at most. */
    public static final int MAX_LITERALS = 256;

    public static final int MAX_LITERAL_CHARS = 256;
    /** A {@code json_object} answer's nesting, at most. */
    public static final int ANY_DEPTH = 4;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ANNOTATIONS =
            Set.of("title", "description", "default", "examples", "$schema", "$id", "$comment", "strict");
    private static final Set<String> KEYWORDS = Set.of(
            "type",
            "properties",
            "required",
            "additionalProperties",
            "items",
            "minItems",
            "maxItems",
            "minLength",
            "maxLength",
            "enum",
            "const");

    /** A compiled schema node; {@code id} names it in matcher states (unique within one schema). */
    public sealed interface Node permits ObjectNode, ArrayNode, StringNode, NumberNode, Literals, Union, AnyValue {
        int id();
    }

    /** An object whose keys are {@code properties}, in order; the required ones must appear. */
    public record ObjectNode(int id, List<Property> properties) implements Node {}

    public record Property(String name, String quoted, Node schema, boolean required) {}

    /** An array of {@code items}, between {@code minItems} and {@code maxItems} long. */
    public record ArrayNode(int id, Node items, int minItems, int maxItems) implements Node {}

    /** A string of {@code minLength} to {@code maxLength} characters (−1: unbounded). */
    public record StringNode(int id, int minLength, int maxLength) implements Node {}

    /** A number, or with {@code integer} an integer (no fraction, no exponent). */
    public record NumberNode(int id, boolean integer) implements Node {}

    /** One of these JSON texts exactly ({@code enum}, {@code const}, {@code true}/{@code false}/{@code null}). */
    public record Literals(int id, List<String> texts) implements Node {}

    /** One of several types; each starts with a different character (so the first character picks it). */
    public record Union(int id, List<Node> options) implements Node {}

    /**
     * Any JSON object ({@code json_object}, or an object with {@code additionalProperties: true} and no properties):
     * any keys, any values, objects and arrays nested at most {@code depth} deep inside it.
     */
    public record AnyValue(int id, int depth) implements Node {}

    private final Node root;
    private int nodes;

    private JsonSchema(JsonNode schema) {
        this.root = compile(schema, "schema", 0);
    }

    public Node root() {
        return root;
    }

    /** Compiles a JSON Schema given as JSON text; {@link IllegalArgumentException} names what is not supported. */
    public static JsonSchema parse(String schemaJson) {
        JsonNode node;
        try {
            node = JSON.readTree(schemaJson);
        } catch (Exception e) {
            throw new IllegalArgumentException("the schema is not valid JSON");
        }
        return of(node);
    }

    /** Compiles a schema; {@link IllegalArgumentException} names the keyword or limit it breaks. */
    public static JsonSchema of(JsonNode schema) {
        return new JsonSchema(schema);
    }

    /** Any JSON object ({@code response_format: json_object}). */
    public static JsonSchema anyObject() {
        return of(JSON.createObjectNode().put("type", "object").put("additionalProperties", true));
    }

    private Node compile(JsonNode s, String at, int depth) {
        if (++nodes > MAX_NODES) {
            throw new IllegalArgumentException("the schema has more than " + MAX_NODES + " nodes");
        }
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException(at + " is nested deeper than " + MAX_DEPTH);
        }
        if (s == null || !s.isObject()) {
            throw new IllegalArgumentException(at + " must be a schema object");
        }
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYWORDS.contains(k) && !ANNOTATIONS.contains(k)) {
                throw new IllegalArgumentException(at + ": the keyword '" + k + "' is not supported");
            }
        }
        int id = nodes;
        if (s.has("const")) {
            return new Literals(id, List.of(literal(s.get("const"), at + ".const")));
        }
        if (s.has("enum")) {
            JsonNode e = s.get("enum");
            if (!e.isArray() || e.isEmpty() || e.size() > MAX_LITERALS) {
                throw new IllegalArgumentException(at + ".enum must be an array of 1 to " + MAX_LITERALS + " values");
            }
            List<String> texts = new ArrayList<>();
            for (JsonNode v : e) {
                String t = literal(v, at + ".enum");
                if (!texts.contains(t)) {
                    texts.add(t);
                }
            }
            return new Literals(id, List.copyOf(texts));
        }
        JsonNode type = s.get("type");
        if (type == null) {
            throw new IllegalArgumentException(at + " needs a type (or enum or const)");
        }
        if (type.isArray()) {
            List<Node> options = new ArrayList<>();
            for (JsonNode t : type) {
                options.add(typed(s, t.asText(), at, depth, ++nodes));
            }
            return union(id, options, at);
        }
        return typed(s, type.asText(), at, depth, id);
    }

    private Node typed(JsonNode s, String type, String at, int depth, int id) {
        return switch (type) {
            case "object" -> object(s, at, depth, id);
            case "array" -> {
                if (!s.has("items")) {
                    throw new IllegalArgumentException(at + ": an array needs items");
                }
                int min = count(s, "minItems", 0, at);
                int max = count(s, "maxItems", Integer.MAX_VALUE, at);
                if (min > max) {
                    throw new IllegalArgumentException(at + ": minItems is above maxItems");
                }
                yield new ArrayNode(id, compile(s.get("items"), at + ".items", depth + 1), min, max);
            }
            case "string" -> new StringNode(id, count(s, "minLength", 0, at), count(s, "maxLength", -1, at));
            case "number" -> new NumberNode(id, false);
            case "integer" -> new NumberNode(id, true);
            case "boolean" -> new Literals(id, List.of("true", "false"));
            case "null" -> new Literals(id, List.of("null"));
            default -> throw new IllegalArgumentException(at + ": the type '" + type + "' is not supported");
        };
    }

    private Node object(JsonNode s, String at, int depth, int id) {
        JsonNode additional = s.get("additionalProperties");
        if (additional != null && !additional.isBoolean()) {
            throw new IllegalArgumentException(at + ".additionalProperties must be true or false");
        }
        JsonNode props = s.path("properties");
        if (!props.isObject() || props.isEmpty()) {
            if (additional != null && additional.asBoolean()) {
                return new AnyValue(id, Math.min(ANY_DEPTH, MAX_DEPTH - depth));
            }
            throw new IllegalArgumentException(at + ": an object needs properties (or additionalProperties: true)");
        }
        List<String> required = new ArrayList<>();
        s.path("required").forEach(r -> required.add(r.asText()));
        List<Property> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            String quoted;
            try {
                quoted = JSON.writeValueAsString(p.getKey());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            out.add(new Property(
                    p.getKey(),
                    quoted,
                    compile(p.getValue(), at + ".properties." + p.getKey(), depth + 1),
                    required.contains(p.getKey())));
        }
        for (String r : required) {
            if (out.stream().noneMatch(p -> p.name().equals(r))) {
                throw new IllegalArgumentException(at + ".required names '" + r + "', which is not a property");
            }
        }
        return new ObjectNode(id, List.copyOf(out));
    }

    private static Node union(int id, List<Node> options, String at) {
        Set<Character> seen = new java.util.HashSet<>();
        for (Node o : options) {
            for (char c : firstChars(o)) {
                if (!seen.add(c)) {
                    throw new IllegalArgumentException(at + ".type lists two types that start alike");
                }
            }
        }
        return new Union(id, List.copyOf(options));
    }

    /** The characters a value of {@code n} can start with. */
    static List<Character> firstChars(Node n) {
        if (n instanceof ObjectNode || n instanceof AnyValue) {
            return List.of('{');
        } else if (n instanceof ArrayNode) {
            return List.of('[');
        } else if (n instanceof StringNode) {
            return List.of('"');
        } else if (n instanceof NumberNode) {
            return List.of('-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9');
        } else if (n instanceof Literals l) {
            return l.texts().stream().map(t -> t.charAt(0)).distinct().toList();
        }
        return ((Union) n)
                .options().stream().flatMap(o -> firstChars(o).stream()).toList();
    }

    private static String literal(JsonNode v, String at) {
        if (v.isContainerNode()) {
            throw new IllegalArgumentException(at + " values must be strings, numbers, booleans or null");
        }
        String text = v.toString();
        if (text.length() > MAX_LITERAL_CHARS) {
            throw new IllegalArgumentException(at + " has a value longer than " + MAX_LITERAL_CHARS + " characters");
        }
        return text;
    }

    private static int count(JsonNode s, String key, int fallback, String at) {
        JsonNode n = s.get(key);
        if (n == null) {
            return fallback;
        }
        if (!n.isIntegralNumber() || n.asLong() < 0 || n.asLong() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(at + "." + key + " must be a non-negative integer");
        }
        return n.asInt();
    }
}
