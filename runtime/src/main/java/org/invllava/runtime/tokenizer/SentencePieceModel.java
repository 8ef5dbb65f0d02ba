package org.invllava.runtime.tokenizer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a SentencePiece {@code ModelProto} a BPE tokenizer needs, read from (and written to) the
 * protobuf wire format directly: pieces with score and type, the model type, byte fallback and the
 * normaliser's whitespace flags.
 */
public record SentencePieceModel(
        List<Piece> pieces,
        int modelType,
        boolean byteFallback,
        boolean addDummyPrefix,
        boolean removeExtraWhitespaces) {

    public static final int TYPE_NORMAL = 1;
    public static final int TYPE_UNKNOWN = 2;
    public static final int TYPE_CONTROL = 3;
    public static final int TYPE_USER_DEFINED = 4;
    public static final int TYPE_UNUSED = 5;
    public static final int TYPE_BYTE = 6;
    public static final int MODEL_BPE = 2;

    public record Piece(String piece, float score, int type) {}

    public SentencePieceModel {
        pieces = List.copyOf(pieces);
    }

    public static SentencePieceModel load(Path file) {
        try {
            return parse(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read tokenizer model: " + e.getMessage());
        } catch (RuntimeException e) {
            throw new TokenizerException(file + ": not a SentencePiece model: " + e.getMessage());
        }
    }

    static SentencePieceModel parse(byte[] data) {
        ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        List<Piece> pieces = new ArrayList<>();
        int modelType = 1;
        boolean byteFallback = false;
        boolean dummyPrefix = true;
        boolean removeExtra = true;
        while (in.hasRemaining()) {
            long tag = varint(in);
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (wire == 2 && (field == 1 || field == 2 || field == 3)) {
                ByteBuffer sub = sub(in);
                if (field == 1) {
                    pieces.add(parsePiece(sub));
                } else if (field == 2) {
                    long[] spec = scalars(sub, 3, 35);
                    modelType = spec[0] < 0 ? 1 : (int) spec[0];
                    byteFallback = spec[1] > 0;
                } else {
                    long[] spec = scalars(sub, 3, 4);
                    dummyPrefix = spec[0] != 0;
                    removeExtra = spec[1] != 0;
                }
            } else {
                skip(in, wire);
            }
        }
        if (pieces.isEmpty()) {
            throw new IllegalArgumentException("no pieces");
        }
        return new SentencePieceModel(pieces, modelType, byteFallback, dummyPrefix, removeExtra);
    }

    private static Piece parsePiece(ByteBuffer in) {
        String piece = "";
        float score = 0;
        int type = TYPE_NORMAL;
        while (in.hasRemaining()) {
            long tag = varint(in);
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (field == 1 && wire == 2) {
                ByteBuffer s = sub(in);
                byte[] b = new byte[s.remaining()];
                s.get(b);
                piece = new String(b, StandardCharsets.UTF_8);
            } else if (field == 2 && wire == 5) {
                score = in.getFloat();
            } else if (field == 3 && wire == 0) {
                type = (int) varint(in);
            } else {
                skip(in, wire);
            }
        }
        return new Piece(piece, score, type);
    }

    /** Values of the varint fields {@code fields} in a sub-message; -1 where absent. */
    private static long[] scalars(ByteBuffer in, int... fields) {
        long[] out = new long[fields.length];
        java.util.Arrays.fill(out, -1);
        while (in.hasRemaining()) {
            long tag = varint(in);
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            boolean taken = false;
            for (int i = 0; i < fields.length; i++) {
                if (fields[i] == field && wire == 0) {
                    out[i] = varint(in);
                    taken = true;
                }
            }
            if (!taken) {
                skip(in, wire);
            }
        }
        return out;
    }

    private static ByteBuffer sub(ByteBuffer in) {
        int len = (int) varint(in);
        ByteBuffer s = in.slice(in.position(), len).order(ByteOrder.LITTLE_ENDIAN);
        in.position(in.position() + len);
        return s;
    }

    private static long varint(ByteBuffer in) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.get();
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return v;
            }
        }
        throw new IllegalArgumentException("bad varint");
    }

    private static void skip(ByteBuffer in, int wire) {
        switch (wire) {
            case 0 -> varint(in);
            case 1 -> in.position(in.position() + 8);
            case 2 -> sub(in);
            case 5 -> in.position(in.position() + 4);
            default -> throw new IllegalArgumentException("unsupported wire type " + wire);
        }
    }

    /** Serialises this model in the protobuf wire format SentencePiece reads. */
    public byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Piece p : pieces) {
            ByteArrayOutputStream msg = new ByteArrayOutputStream();
            writeBytes(msg, 1, p.piece().getBytes(StandardCharsets.UTF_8));
            writeVarint(msg, (2 << 3) | 5);
            int bits = Float.floatToIntBits(p.score());
            for (int i = 0; i < 4; i++) {
                msg.write((bits >>> (8 * i)) & 0xFF);
            }
            writeVarint(msg, 3 << 3);
            writeVarint(msg, p.type());
            writeBytes(out, 1, msg.toByteArray());
        }
        ByteArrayOutputStream trainer = new ByteArrayOutputStream();
        writeVarint(trainer, 3 << 3);
        writeVarint(trainer, modelType);
        writeVarint(trainer, 35 << 3);
        writeVarint(trainer, byteFallback ? 1 : 0);
        writeBytes(out, 2, trainer.toByteArray());
        ByteArrayOutputStream normalizer = new ByteArrayOutputStream();
        writeBytes(normalizer, 1, "identity".getBytes(StandardCharsets.UTF_8));
        writeVarint(normalizer, 3 << 3);
        writeVarint(normalizer, addDummyPrefix ? 1 : 0);
        writeVarint(normalizer, 4 << 3);
        writeVarint(normalizer, removeExtraWhitespaces ? 1 : 0);
        writeBytes(out, 3, normalizer.toByteArray());
        return out.toByteArray();
    }

    private static void writeBytes(ByteArrayOutputStream out, int field, byte[] bytes) {
        writeVarint(out, (field << 3) | 2);
        writeVarint(out, bytes.length);
        out.writeBytes(bytes);
    }

    private static void writeVarint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
