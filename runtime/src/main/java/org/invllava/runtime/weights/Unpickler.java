package org.invllava.runtime.weights;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A small pickle virtual machine for the subset of opcodes (protocols 2 to 4) that {@code torch.save}
 * emits for state dicts. It never executes code: globals become {@link Global} values and calls on them
 * are resolved by the {@code reducer} supplied by the caller.
 */
final class Unpickler {
    /** A {@code module.name} reference found in the pickle. */
    record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    private static final Object MARK = new Object();

    private final ByteBuffer in;
    private final Function<List<Object>, Object> persistentLoad;
    private final BiFunction<Global, List<Object>, Object> reducer;
    private final Deque<Object> stack = new ArrayDeque<>();
    private final Deque<Deque<Object>> marks = new ArrayDeque<>();
    private final Map<Long, Object> memo = new HashMap<>();

    Unpickler(
            ByteBuffer in,
            Function<List<Object>, Object> persistentLoad,
            BiFunction<Global, List<Object>, Object> reducer) {
        this.in = in.order(ByteOrder.LITTLE_ENDIAN);
        this.persistentLoad = persistentLoad;
        this.reducer = reducer;
    }

    @SuppressWarnings("unchecked")
    Object load() {
        while (true) {
            int op = in.get() & 0xFF;
            switch (op) {
                case 0x80 -> in.get(); // PROTO
                case 0x95 -> in.getLong(); // FRAME
                case '.' -> {
                    return stack.pop();
                }
                case '(' -> {
                    marks.push(new ArrayDeque<>(stack));
                    stack.push(MARK);
                }
                case '}' -> stack.push(new LinkedHashMap<>());
                case ']' -> stack.push(new ArrayList<>());
                case ')' -> stack.push(List.of());
                case 'N' -> stack.push(NONE);
                case 0x88 -> stack.push(Boolean.TRUE);
                case 0x89 -> stack.push(Boolean.FALSE);
                case 'K' -> stack.push((long) (in.get() & 0xFF));
                case 'M' -> stack.push((long) (in.getShort() & 0xFFFF));
                case 'J' -> stack.push((long) in.getInt());
                case 0x8a -> stack.push(readLong(in.get() & 0xFF));
                case 0x8b -> stack.push(readLong(in.getInt()));
                case 'G' ->
                    stack.push(ByteBuffer.wrap(bytes(8))
                            .order(ByteOrder.BIG_ENDIAN)
                            .getDouble());
                case 'X' -> stack.push(string(in.getInt()));
                case 0x8c -> stack.push(string(in.get() & 0xFF));
                case 0x8d -> stack.push(string(Math.toIntExact(in.getLong())));
                case 'C' -> stack.push(bytes(in.get() & 0xFF));
                case 'B' -> stack.push(bytes(in.getInt()));
                case 'c' -> stack.push(new Global(line(), line()));
                case 0x93 -> {
                    String name = (String) stack.pop();
                    stack.push(new Global((String) stack.pop(), name));
                }
                case 't' -> stack.push(List.copyOf(popMark()));
                case 0x85 -> stack.push(List.of(stack.pop()));
                case 0x86 -> {
                    Object b = stack.pop();
                    stack.push(List.of(stack.pop(), b));
                }
                case 0x87 -> {
                    Object c = stack.pop();
                    Object b = stack.pop();
                    stack.push(List.of(stack.pop(), b, c));
                }
                case 'Q' -> stack.push(persistentLoad.apply((List<Object>) stack.pop()));
                case 'R', 0x81 -> {
                    List<Object> args = (List<Object>) stack.pop();
                    Global fn = (Global) stack.pop();
                    stack.push(reducer.apply(fn, args));
                }
                case 'b' -> stack.pop(); // BUILD: state of an object we do not materialise
                case 's' -> {
                    Object v = stack.pop();
                    Object k = stack.pop();
                    ((Map<Object, Object>) stack.peek()).put(k, v);
                }
                case 'u' -> {
                    List<Object> items = popMark();
                    Map<Object, Object> map = (Map<Object, Object>) stack.peek();
                    for (int i = 0; i + 1 < items.size(); i += 2) {
                        map.put(items.get(i), items.get(i + 1));
                    }
                }
                case 'a' -> {
                    Object v = stack.pop();
                    ((List<Object>) stack.peek()).add(v);
                }
                case 'e' -> {
                    List<Object> items = popMark();
                    ((List<Object>) stack.peek()).addAll(items);
                }
                case 'q' -> memo.put((long) (in.get() & 0xFF), stack.peek());
                case 'r' -> memo.put(Integer.toUnsignedLong(in.getInt()), stack.peek());
                case 0x94 -> memo.put((long) memo.size(), stack.peek());
                case 'h' -> stack.push(memoGet(in.get() & 0xFF));
                case 'j' -> stack.push(memoGet(Integer.toUnsignedLong(in.getInt())));
                default ->
                    throw new WeightException(
                            String.format("unsupported pickle opcode 0x%02x at byte %d", op, in.position() - 1));
            }
        }
    }

    /** Python's None. */
    static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    private Object memoGet(long key) {
        Object v = memo.get(key);
        if (v == null) {
            throw new WeightException("pickle refers to unknown memo entry " + key);
        }
        return v;
    }

    private List<Object> popMark() {
        List<Object> items = new ArrayList<>();
        Object o;
        while ((o = stack.pop()) != MARK) {
            items.add(0, o);
        }
        marks.pop();
        return items;
    }

    private long readLong(int n) {
        byte[] le = bytes(n);
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = le[n - 1 - i];
        }
        return n == 0 ? 0 : new BigInteger(be).longValueExact();
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    private String string(int n) {
        return new String(bytes(n), StandardCharsets.UTF_8);
    }

    private String line() {
        StringBuilder sb = new StringBuilder();
        byte b;
        while ((b = in.get()) != '\n') {
            sb.append((char) b);
        }
        return sb.toString();
    }
}
