package org.invllava.runtime.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.invllava.runtime.Golden;
import org.junit.jupiter.api.Test;

/** SentencePiece BPE on a hand-made vocabulary and on the real LLaMA tokenizer.model (golden). */
class LlamaTokenizerTest {
    static final String S = LlamaTokenizer.SPACE;

    /** ids: 0 unk, 1 s, 2 /s, 3..258 bytes, then the pieces below. */
    static SentencePieceModel tinyModel() {
        List<SentencePieceModel.Piece> p = new ArrayList<>();
        p.add(new SentencePieceModel.Piece("<unk>", 0, SentencePieceModel.TYPE_UNKNOWN));
        p.add(new SentencePieceModel.Piece("<s>", 0, SentencePieceModel.TYPE_CONTROL));
        p.add(new SentencePieceModel.Piece("</s>", 0, SentencePieceModel.TYPE_CONTROL));
        for (int b = 0; b < 256; b++) {
            p.add(new SentencePieceModel.Piece(String.format("<0x%02X>", b), 0, SentencePieceModel.TYPE_BYTE));
        }
        String[] normal = {S, "a", "b", "c", S + "a", "ab", S + "ab", "bc", "\n"};
        float[] scores = {-1, -2, -2, -2, -3, -1.5f, -4, -1.5f, -5};
        for (int i = 0; i < normal.length; i++) {
            p.add(new SentencePieceModel.Piece(normal[i], scores[i], SentencePieceModel.TYPE_NORMAL));
        }
        return new SentencePieceModel(p, SentencePieceModel.MODEL_BPE, true, true, false);
    }

    static final int SPACE = 259;
    static final int A = 260;
    static final int B = 261;
    static final int C = 262;
    static final int SPACE_A = 263;
    static final int AB = 264;
    static final int SPACE_AB = 265;
    static final int BC = 266;

    @Test
    void mergesByScoreLeftmostFirst() {
        LlamaTokenizer tok = new LlamaTokenizer(tinyModel());
        // "▁abc": ab(-1.5) and bc(-1.5) tie, the left one wins; then ▁+ab = ▁ab (-4)
        assertArrayEquals(new int[] {SPACE_AB, C}, tok.encode("abc"));
        assertArrayEquals(new int[] {SPACE_A, SPACE, BC}, tok.encode("a bc"));
        assertArrayEquals(new int[0], tok.encode(""));
    }

    @Test
    void unknownCharactersFallBackToBytes() {
        LlamaTokenizer tok = new LlamaTokenizer(tinyModel());
        // é = C3 A9 → byte tokens 3 + 0xC3, 3 + 0xA9
        assertArrayEquals(new int[] {SPACE_A, 3 + 0xC3, 3 + 0xA9}, tok.encode("aé"));
        assertEquals("aé", tok.decode(tok.encode("aé")));
    }

    @Test
    void promptSplitsOnImageAndStartsWithBos() {
        LlamaTokenizer tok = new LlamaTokenizer(tinyModel());
        assertArrayEquals(
                new int[] {1, SPACE_A, LlamaTokenizer.IMAGE_TOKEN_ID, SPACE, B}, tok.encodePrompt("a<image>b"));
        assertArrayEquals(new int[] {1, LlamaTokenizer.IMAGE_TOKEN_ID}, tok.encodePrompt("<image>"));
    }

    @Test
    void modelSurvivesProtobufRoundTrip() {
        SentencePieceModel m = tinyModel();
        SentencePieceModel back = SentencePieceModel.parse(m.toBytes());
        assertEquals(m, back);
        assertThrows(TokenizerException.class, () -> SentencePieceModel.load(java.nio.file.Path.of("/nonexistent")));
    }

    @Test
    void streamingNeverEmitsHalfACharacter() {
        LlamaTokenizer tok = new LlamaTokenizer(tinyModel());
        IncrementalDetokenizer d = new IncrementalDetokenizer(tok);
        assertEquals("a", d.push(SPACE_A)); // leading space of the answer dropped
        assertEquals("", d.push(3 + 0xE4)); // 你 = E4 BD A0
        assertEquals("", d.push(3 + 0xBD));
        assertEquals("你", d.push(3 + 0xA0));
        assertEquals("", d.push(2)); // EOS is not text
        assertEquals("\uFFFD", d.push(3 + 0x87)); // a lone continuation byte is invalid at once
        assertEquals("", d.push(3 + 0xE4));
        assertEquals("\uFFFD", d.flush()); // an unfinished character at the end
    }

    @Test
    void realLlamaTokenizerMatchesReferenceIds() {
        LlamaTokenizer tok = LlamaTokenizer.load(Golden.tinyModel().resolve("language/tokenizer.model"));
        assertEquals(32000, tok.vocabSize());
        int[] ids = tok.encode("\nWhat is in the image? ASSISTANT:");
        assertArrayEquals(new int[] {29871, 13, 5618}, java.util.Arrays.copyOf(ids, 3));
        String text = "Hello world! Привет, 你好 🙂 tabs\tand\nnewlines";
        assertEquals(text, tok.decode(tok.encode(text)));
    }
}
