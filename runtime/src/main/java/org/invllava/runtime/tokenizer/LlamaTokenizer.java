package org.invllava.runtime.tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * SentencePiece BPE as LLaMA uses it: dummy-prefix normalisation, score-ordered merges, byte fallback
 * ({@code <0x0A>}) for characters outside the vocabulary, and the matching decoder.
 */
public final class LlamaTokenizer implements Tokenizer {
    public static final String SPACE = "\u2581";
    public static final int IMAGE_TOKEN_ID = -200;
    public static final String IMAGE_PLACEHOLDER = "<image>";

    private final SentencePieceModel model;
    private final Map<String, Integer> mergeable = new HashMap<>();
    private final Map<String, Integer> reserved = new HashMap<>();
    private final int[] byteIds = new int[256];
    private final int unkId;
    private final int bosId;
    private final int eosId;

    public LlamaTokenizer(SentencePieceModel model) {
        if (model.modelType() != SentencePieceModel.MODEL_BPE) {
            throw new TokenizerException(
                    "only BPE SentencePiece models are supported (model_type " + model.modelType() + ")");
        }
        this.model = model;
        java.util.Arrays.fill(byteIds, -1);
        int unk = -1;
        for (int id = 0; id < model.pieces().size(); id++) {
            SentencePieceModel.Piece p = model.pieces().get(id);
            switch (p.type()) {
                case SentencePieceModel.TYPE_NORMAL, SentencePieceModel.TYPE_USER_DEFINED ->
                    mergeable.putIfAbsent(p.piece(), id);
                case SentencePieceModel.TYPE_BYTE ->
                    byteIds[Integer.parseInt(p.piece().substring(3, 5), 16)] = id;
                case SentencePieceModel.TYPE_UNKNOWN -> unk = id;
                default -> reserved.putIfAbsent(p.piece(), id);
            }
        }
        this.unkId = unk;
        this.bosId = reserved.getOrDefault("<s>", 1);
        this.eosId = reserved.getOrDefault("</s>", 2);
    }

    public static LlamaTokenizer load(Path tokenizerModel) {
        return new LlamaTokenizer(SentencePieceModel.load(tokenizerModel));
    }

    @Override
    public int vocabSize() {
        return model.pieces().size();
    }

    public int bosId() {
        return bosId;
    }

    public int eosId() {
        return eosId;
    }

    /** {@code [BOS] + sp(chunk0) + [-200] + sp(chunk1) ...}, splitting {@code prompt} on {@code <image>}. */
    public int[] encodePrompt(String prompt) {
        return encodePrompt(List.of(prompt));
    }

    /**
     * A multi-turn prompt ({@link ChatTemplate#vicunaV1(String, List)}): the pieces encoded as in
     * {@link #encodePrompt(String)}, one BOS first and the EOS id between consecutive pieces, as LLaVA's
     * tokenizer reads the template's {@code </s>} separators.
     */
    public int[] encodePrompt(List<String> eosSeparatedPieces) {
        List<Integer> ids = new ArrayList<>();
        ids.add(bosId);
        for (int p = 0; p < eosSeparatedPieces.size(); p++) {
            if (p > 0) {
                ids.add(eosId);
            }
            String[] chunks = eosSeparatedPieces.get(p).split(java.util.regex.Pattern.quote(IMAGE_PLACEHOLDER), -1);
            for (int i = 0; i < chunks.length; i++) {
                if (i > 0) {
                    ids.add(IMAGE_TOKEN_ID);
                }
                for (int id : encode(chunks[i])) {
                    ids.add(id);
                }
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** SentencePiece encode of plain text with the model's normaliser. Empty text gives no ids. */
    @Override
    public int[] encode(String text) {
        String normalized = normalize(text);
        if (normalized.isEmpty()) {
            return new int[0];
        }
        List<String> symbols = new ArrayList<>();
        normalized.codePoints().forEach(cp -> symbols.add(new String(Character.toChars(cp))));
        List<Integer> out = new ArrayList<>();
        for (String piece : merge(symbols)) {
            Integer id = mergeable.get(piece);
            if (id == null) {
                id = reserved.get(piece);
            }
            if (id != null) {
                out.add(id);
            } else if (model.byteFallback()) {
                for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                    out.add(byteIds[b & 0xFF]);
                }
            } else {
                out.add(unkId);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private String normalize(String text) {
        String t = text;
        if (model.removeExtraWhitespaces()) {
            t = t.strip().replaceAll(" +", " ");
        }
        if (t.isEmpty()) {
            return "";
        }
        if (model.addDummyPrefix()) {
            t = " " + t;
        }
        return t.replace(" ", SPACE);
    }

    private record Candidate(int left, int right, float score, String piece) {}

    /** Repeatedly merges the adjacent pair whose union has the highest score (leftmost on ties). */
    private List<String> merge(List<String> initial) {
        int n = initial.size();
        String[] sym = initial.toArray(new String[0]);
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Candidate> agenda = new PriorityQueue<>((a, b) ->
                a.score() != b.score() ? Float.compare(b.score(), a.score()) : Integer.compare(a.left(), b.left()));
        for (int i = 1; i < n; i++) {
            offer(agenda, sym, i - 1, i);
        }
        while (!agenda.isEmpty()) {
            Candidate c = agenda.poll();
            if (sym[c.left()] == null
                    || sym[c.right()] == null
                    || !(sym[c.left()] + sym[c.right()]).equals(c.piece())) {
                continue;
            }
            sym[c.left()] = c.piece();
            sym[c.right()] = null;
            next[c.left()] = next[c.right()];
            if (next[c.right()] >= 0) {
                prev[next[c.right()]] = c.left();
            }
            if (prev[c.left()] >= 0) {
                offer(agenda, sym, prev[c.left()], c.left());
            }
            if (next[c.left()] >= 0) {
                offer(agenda, sym, c.left(), next[c.left()]);
            }
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i >= 0; i = next[i]) {
            out.add(sym[i]);
        }
        return out;
    }

    private void offer(PriorityQueue<Candidate> agenda, String[] sym, int left, int right) {
        String piece = sym[left] + sym[right];
        Integer id = mergeable.get(piece);
        if (id != null) {
            agenda.add(new Candidate(left, right, model.pieces().get(id).score(), piece));
        }
    }

    /** The UTF-8 bytes token {@code id} stands for; empty for control and unknown tokens. */
    @Override
    public byte[] tokenBytes(int id) {
        if (id < 0 || id >= model.pieces().size()) {
            return new byte[0];
        }
        SentencePieceModel.Piece p = model.pieces().get(id);
        return switch (p.type()) {
            case SentencePieceModel.TYPE_BYTE ->
                new byte[] {(byte) Integer.parseInt(p.piece().substring(3, 5), 16)};
            case SentencePieceModel.TYPE_NORMAL, SentencePieceModel.TYPE_USER_DEFINED ->
                p.piece().replace(SPACE, " ").getBytes(StandardCharsets.UTF_8);
            default -> new byte[0];
        };
    }

    public String piece(int id) {
        return model.pieces().get(id).piece();
    }
}
