package org.invllava.wire.json;

import java.util.List;
import org.invllava.wire.json.JsonSchema.AnyValue;
import org.invllava.wire.json.JsonSchema.ArrayNode;
import org.invllava.wire.json.JsonSchema.Literals;
import org.invllava.wire.json.JsonSchema.Node;
import org.invllava.wire.json.JsonSchema.NumberNode;
import org.invllava.wire.json.JsonSchema.ObjectNode;
import org.invllava.wire.json.JsonSchema.StringNode;
import org.invllava.wire.json.JsonSchema.Union;

/**
 * A pushdown automaton over characters that accepts exactly the compact JSON documents valid against a
 * {@link JsonSchema} (no whitespace between tokens, up to {@link #LEADING_SPACES} before the document). States are
 * immutable stacks of frames, so a state can be extended character by character along many branches at once (a
 * vocabulary trie walk) without copying; {@link State#toString} is a compact key of the state.
 */
public final class JsonMatcher {
    /** Spaces accepted before the document (a tokenizer's leading space). */
    public static final int LEADING_SPACES = 2;
    /** Characters of a number, at most (an integer: 15 digits, exact in a double). */
    static final int MAX_INTEGER_CHARS = 16;

    static final int MAX_NUMBER_CHARS = 24;
    /**
     * How far ahead a state key looks into a string's length bounds: two states whose bounds are both further than this
     * allow the same tokens, provided no token is longer (a constrained answer never uses a longer token).
     */
    public static final int KEY_HORIZON = 32;
    /**
     * Where an object or array frame is: after its opening bracket, after a key (its colon next), after a value,
     * after a comma; {@code VALUE}: a {@code json_object}'s value comes next.
     */
    static final int OPEN = 0;

    static final int COLON = 1;
    static final int AFTER_VALUE = 2;
    static final int COMMA = 3;
    static final int VALUE = 4;
    /** Characters of a key of a {@code json_object}, at most. */
    static final int MAX_ANY_KEY = 64;

    private JsonMatcher() {}

    /** A stack of frames, innermost first; {@link #DONE} once the document is complete. */
    public record State(Frame top, State below) {
        @Override
        public String toString() {
            return this == DONE ? "." : top + "|" + below;
        }
    }

    /** The document is complete: nothing more is accepted. */
    public static final State DONE = new State(null, null);

    /** The state before the first character of a document valid against {@code schema}. */
    public static State start(JsonSchema schema) {
        return new State(new Value(schema.root(), LEADING_SPACES), DONE);
    }

    /** The state after {@code c}, or null when {@code c} cannot come next. */
    public static State advance(State s, char c) {
        return s == DONE ? null : s.top().advance(c, s.below());
    }

    /** The state after {@code text}, or null when it is not a valid continuation. */
    public static State advance(State s, CharSequence text) {
        for (int i = 0; i < text.length() && s != null; i++) {
            s = advance(s, text.charAt(i));
        }
        return s;
    }

    /** Whether the document may end here (complete, or a number at the top level that is complete). */
    public static boolean canEnd(State s) {
        return s == DONE || (s.below() == DONE && s.top() instanceof Number n && n.complete());
    }

    /** One level of the stack: what it expects next, given the frames below it. */
    public sealed interface Frame permits Value, Text, Number, Literal, Key, Obj, AnyObj, Arr {
        State advance(char c, State below);
    }

    /** Starts a value of {@code n} with its first character {@code c}; {@code below} resumes once it is complete. */
    static State startValue(Node n, char c, State below) {
        if (n instanceof Literals l) {
            List<String> match =
                    l.texts().stream().filter(t -> t.charAt(0) == c).toList();
            return match.isEmpty() ? null : new State(new Literal(match, 1), below);
        } else if (n instanceof StringNode s) {
            return c == '"' ? new State(new Text(s.minLength(), s.maxLength(), 0, 0), below) : null;
        } else if (n instanceof NumberNode x) {
            Number.Stage st = Number.first(c);
            return st == null ? null : new State(new Number(x.integer(), st, 1), below);
        } else if (n instanceof ObjectNode o) {
            return c == '{' ? new State(new Obj(o, 0, OPEN), below) : null;
        } else if (n instanceof ArrayNode a) {
            return c == '[' ? new State(new Arr(a.items(), a.minItems(), a.maxItems(), 0, OPEN), below) : null;
        } else if (n instanceof AnyValue v) {
            return c == '{' ? new State(new AnyObj(v.depth(), OPEN), below) : null;
        }
        for (Node o : ((Union) n).options()) {
            State s = startValue(o, c, below);
            if (s != null) {
                return s;
            }
        }
        return null;
    }

    /** A value of any type inside a {@code json_object}, objects and arrays only while {@code depth} > 0. */
    static State startAny(int depth, char c, State below) {
        return switch (c) {
            case '"' -> new State(new Text(0, -1, 0, 0), below);
            case 't' -> new State(new Literal(List.of("true"), 1), below);
            case 'f' -> new State(new Literal(List.of("false"), 1), below);
            case 'n' -> new State(new Literal(List.of("null"), 1), below);
            case '{' -> depth > 0 ? new State(new AnyObj(depth - 1, OPEN), below) : null;
            case '[' -> depth > 0 ? new State(new Arr(null, 0, Integer.MAX_VALUE, depth - 1, OPEN), below) : null;
            default -> {
                Number.Stage st = Number.first(c);
                yield st == null ? null : new State(new Number(false, st, 1), below);
            }
        };
    }

    /** A value of {@code node} is expected next; {@code spaces} more leading spaces may come first. */
    record Value(Node node, int spaces) implements Frame {
        @Override
        public State advance(char c, State below) {
            if (c == ' ' && spaces > 0) {
                return new State(new Value(node, spaces - 1), below);
            }
            return startValue(node, c, below);
        }

        @Override
        public String toString() {
            return "V" + node.id() + "," + spaces;
        }
    }

    /**
     * Inside a string after its opening quote: {@code length} characters so far; {@code escape}: 0 none, 1 after a
     * backslash, 2..5 hex digits of a {@code \\u} escape still to come (minus one).
     */
    record Text(int min, int max, int length, int escape) implements Frame {
        @Override
        public State advance(char c, State below) {
            if (escape == 1) {
                if (c == 'u') {
                    return new State(new Text(min, max, length, 5), below);
                }
                return "\"\\/bfnrt".indexOf(c) >= 0 ? new State(new Text(min, max, length + 1, 0), below) : null;
            }
            if (escape > 1) {
                boolean hex = Character.digit(c, 16) >= 0 && c < 128;
                return hex
                        ? new State(
                                new Text(min, max, length + (escape == 2 ? 1 : 0), escape == 2 ? 0 : escape - 1), below)
                        : null;
            }
            if (c == '"') {
                return length >= min ? below : null;
            }
            if (c < 0x20 || (max >= 0 && length >= max)) {
                return null;
            }
            return new State(new Text(min, max, c == '\\' ? length : length + 1, c == '\\' ? 1 : 0), below);
        }

        @Override
        public String toString() {
            // the length matters only through the distance to each bound, and only within the horizon
            int toMin = Math.min(Math.max(min - length, 0), KEY_HORIZON);
            int toMax = max < 0 ? -1 : Math.min(max - length, KEY_HORIZON);
            return "T" + toMin + "," + toMax + "," + escape;
        }
    }

    /** A number being read ({@code integer}: no fraction or exponent), at {@code stage}, {@code length} characters. */
    record Number(boolean integer, Stage stage, int length) implements Frame {
        enum Stage {
            MINUS,
            ZERO,
            INT,
            DOT,
            FRAC,
            EXP,
            EXP_SIGN,
            EXP_DIGITS
        }

        static Stage first(char c) {
            return c == '-' ? Stage.MINUS : c == '0' ? Stage.ZERO : c >= '1' && c <= '9' ? Stage.INT : null;
        }

        boolean complete() {
            return stage == Stage.ZERO || stage == Stage.INT || stage == Stage.FRAC || stage == Stage.EXP_DIGITS;
        }

        @Override
        public State advance(char c, State below) {
            Stage next = length >= (integer ? MAX_INTEGER_CHARS : MAX_NUMBER_CHARS) ? null : next(c);
            if (next != null) {
                return new State(new Number(integer, next, length + 1), below);
            }
            return complete() ? JsonMatcher.advance(below, c) : null; // the character after the number is its parent's
        }

        private Stage next(char c) {
            boolean digit = c >= '0' && c <= '9';
            boolean exp = (c == 'e' || c == 'E') && !integer;
            return switch (stage) {
                case MINUS -> c == '0' ? Stage.ZERO : digit ? Stage.INT : null;
                case ZERO -> c == '.' && !integer ? Stage.DOT : exp ? Stage.EXP : null;
                case INT -> digit ? Stage.INT : c == '.' && !integer ? Stage.DOT : exp ? Stage.EXP : null;
                case DOT -> digit ? Stage.FRAC : null;
                case FRAC -> digit ? Stage.FRAC : exp ? Stage.EXP : null;
                case EXP -> c == '+' || c == '-' ? Stage.EXP_SIGN : digit ? Stage.EXP_DIGITS : null;
                case EXP_SIGN, EXP_DIGITS -> digit ? Stage.EXP_DIGITS : null;
            };
        }

        @Override
        public String toString() {
            return "N" + (integer ? "i" : "") + stage.ordinal() + "," + length;
        }
    }

    /**
     * One of {@code texts}, {@code matched} characters of it read. A text read whole ends at the next character no
     * other one continues (as a number, since {@code 1} and {@code 12} may both be allowed).
     */
    record Literal(List<String> texts, int matched) implements Frame {
        @Override
        public State advance(char c, State below) {
            List<String> still = texts.stream()
                    .filter(t -> t.length() > matched && t.charAt(matched) == c)
                    .toList();
            if (!still.isEmpty()) {
                Literal next = new Literal(still, matched + 1);
                return still.size() == 1 && still.get(0).length() == matched + 1 && closed(still.get(0))
                        ? below
                        : new State(next, below);
            }
            boolean whole = texts.stream().anyMatch(t -> t.length() == matched);
            return whole ? JsonMatcher.advance(below, c) : null;
        }

        /** A text whose last character closes it (a string, true, false, null) cannot be continued. */
        private static boolean closed(String text) {
            char last = text.charAt(text.length() - 1);
            return last == '"' || last == 'e' || last == 'l';
        }

        @Override
        public String toString() {
            return "L" + String.join("\u0001", texts) + "," + matched;
        }
    }

    /**
     * A key of {@code obj} being read, {@code read} so far (with its opening quote): one of the quoted names of the
     * properties from {@code obj.next()} up to the first required one.
     */
    record Key(Obj obj, String read) implements Frame {
        @Override
        public State advance(char c, State below) {
            String now = read + c;
            List<JsonSchema.Property> props = obj.schema().properties();
            boolean alive = false;
            for (int i = obj.next(); i < props.size(); i++) {
                String q = props.get(i).quoted();
                if (q.equals(now)) { // a quoted name ends with its quote: no other one continues it
                    return new State(new Obj(obj.schema(), i, COLON), below);
                }
                alive |= q.startsWith(now);
                if (props.get(i).required()) {
                    break; // a required property cannot be skipped
                }
            }
            return alive ? new State(new Key(obj, now), below) : null;
        }

        @Override
        public String toString() {
            return "K" + obj + "," + read;
        }
    }

    /** An object of {@code schema}: {@code next} is the first property that may still come; {@code stage} where it is. */
    record Obj(ObjectNode schema, int next, int stage) implements Frame {
        @Override
        public State advance(char c, State below) {
            List<JsonSchema.Property> props = schema.properties();
            switch (stage) {
                case OPEN, COMMA -> {
                    if (c == '"' && next < props.size()) {
                        return new State(new Key(this, "\""), below);
                    }
                    return c == '}' && stage == OPEN && noneRequiredFrom(next) ? below : null;
                }
                case COLON -> {
                    return c == ':'
                            ? new State(
                                    new Value(props.get(next).schema(), 0),
                                    new State(new Obj(schema, next + 1, AFTER_VALUE), below))
                            : null;
                }
                default -> {
                    if (c == ',' && next < props.size()) {
                        return new State(new Obj(schema, next, COMMA), below);
                    }
                    return c == '}' && noneRequiredFrom(next) ? below : null;
                }
            }
        }

        private boolean noneRequiredFrom(int i) {
            return schema.properties().subList(i, schema.properties().size()).stream()
                    .noneMatch(JsonSchema.Property::required);
        }

        @Override
        public String toString() {
            return "O" + schema.id() + "," + next + "," + stage;
        }
    }

    /** An object of any keys and values ({@code json_object}), values nested at most {@code depth} deep. */
    record AnyObj(int depth, int stage) implements Frame {
        @Override
        public State advance(char c, State below) {
            return switch (stage) {
                case OPEN, COMMA ->
                    c == '"'
                            ? new State(new Text(1, MAX_ANY_KEY, 0, 0), new State(new AnyObj(depth, COLON), below))
                            : c == '}' && stage == OPEN ? below : null;
                case COLON -> c == ':' ? new State(new AnyObj(depth, VALUE), below) : null;
                case VALUE -> startAny(depth, c, new State(new AnyObj(depth, AFTER_VALUE), below));
                default -> c == ',' ? new State(new AnyObj(depth, COMMA), below) : c == '}' ? below : null;
            };
        }

        @Override
        public String toString() {
            return "A" + depth + "," + stage;
        }
    }

    /**
     * An array of {@code items} (null: any values, nested at most {@code depth} deep) with {@code count} items so far
     * and {@code min}..{@code max} allowed.
     */
    record Arr(Node items, int min, int max, int depth, int stage, int count) implements Frame {
        Arr(Node items, int min, int max, int depth, int stage) {
            this(items, min, max, depth, stage, 0);
        }

        @Override
        public State advance(char c, State below) {
            if (stage == AFTER_VALUE) {
                if (c == ',' && count < max) {
                    return new State(new Arr(items, min, max, depth, COMMA, count), below);
                }
                return c == ']' && count >= min ? below : null;
            }
            if (c == ']' && stage == OPEN && min == 0) {
                return below;
            }
            if (count >= max) {
                return null;
            }
            State after = new State(new Arr(items, min, max, depth, AFTER_VALUE, count + 1), below);
            return items == null ? startAny(depth, c, after) : startValue(items, c, after);
        }

        @Override
        public String toString() {
            return "R" + (items == null ? "*" + depth : items.id()) + "," + min + "," + max + "," + stage + "," + count;
        }
    }
}
