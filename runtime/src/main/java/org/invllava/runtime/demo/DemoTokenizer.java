package org.invllava.runtime.demo;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.invllava.runtime.tokenizer.LlamaTokenizer;
import org.invllava.runtime.tokenizer.SentencePieceModel;

/**
 * A SentencePiece BPE vocabulary made by the project (not LLaMA's): controls, 256 byte pieces, the
 * printable ASCII characters, common English words with and without the word-start marker, then
 * letter pairs and triples until the vocabulary is full. Scores favour earlier (longer-merge) pieces.
 */
public final class DemoTokenizer {
    private static final String[] WORDS = ("the a an of to in is it that this on for with as are be at by from or "
                    + "image picture photo shows there what which color red green blue black white dog cat person man woman "
                    + "car tree sky water table room street building sign text people two one small large left right "
                    + "background front top bottom answer question yes no not and")
            .split(" ");

    private DemoTokenizer() {}

    public static SentencePieceModel build(int vocabSize) {
        List<SentencePieceModel.Piece> pieces = new ArrayList<>();
        pieces.add(new SentencePieceModel.Piece("<unk>", 0, SentencePieceModel.TYPE_UNKNOWN));
        pieces.add(new SentencePieceModel.Piece("<s>", 0, SentencePieceModel.TYPE_CONTROL));
        pieces.add(new SentencePieceModel.Piece("</s>", 0, SentencePieceModel.TYPE_CONTROL));
        for (int b = 0; b < 256; b++) {
            pieces.add(new SentencePieceModel.Piece(String.format("<0x%02X>", b), 0, SentencePieceModel.TYPE_BYTE));
        }
        Set<String> normal = new LinkedHashSet<>();
        normal.add(LlamaTokenizer.SPACE);
        for (char c = 33; c < 127; c++) {
            normal.add(String.valueOf(c));
        }
        for (String w : WORDS) {
            for (int i = 2; i <= w.length(); i++) {
                normal.add(w.substring(0, i));
                normal.add(LlamaTokenizer.SPACE + w.substring(0, i));
            }
            normal.add(LlamaTokenizer.SPACE + w.substring(0, 1));
        }
        String letters = "etaoinshrdlcumwfgypbvkjxqz";
        outer:
        for (int len = 2; len <= 3; len++) {
            for (String s : combos(letters, len)) {
                for (String p : new String[] {s, LlamaTokenizer.SPACE + s}) {
                    if (pieces.size() + normal.size() >= vocabSize) {
                        break outer;
                    }
                    normal.add(p);
                }
            }
        }
        float score = 0;
        for (String p : normal) {
            if (pieces.size() >= vocabSize) {
                break;
            }
            pieces.add(
                    new SentencePieceModel.Piece(p, p.length() == 1 ? -1e6f : score, SentencePieceModel.TYPE_NORMAL));
            score -= 1;
        }
        return new SentencePieceModel(pieces, SentencePieceModel.MODEL_BPE, true, true, false);
    }

    private static List<String> combos(String letters, int len) {
        List<String> out = new ArrayList<>();
        if (len == 1) {
            for (char c : letters.toCharArray()) {
                out.add(String.valueOf(c));
            }
            return out;
        }
        for (String prefix : combos(letters, len - 1)) {
            for (char c : letters.toCharArray()) {
                out.add(prefix + c);
            }
        }
        return out;
    }
}
