package org.invllava.wire.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonMatcherTest {
    private static final String SHAPE = """
            {"type": "object", "properties": {
              "color": {"type": "string", "enum": ["red", "green", "blue"]},
              "count": {"type": "integer"},
              "tags": {"type": "array", "items": {"type": "string", "maxLength": 3}, "minItems": 1, "maxItems": 2},
              "size": {"type": ["number", "null"]},
              "ok": {"type": "boolean"}
            }, "required": ["color", "count"], "additionalProperties": false}""";

    private static boolean accepts(String schema, String doc) {
        JsonMatcher.State s = JsonMatcher.advance(JsonMatcher.start(JsonSchema.parse(schema)), doc);
        return s != null && JsonMatcher.canEnd(s);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"color\":\"red\",\"count\":3}",
                " {\"color\":\"blue\",\"count\":-12,\"ok\":true}",
                "{\"color\":\"green\",\"count\":0,\"tags\":[\"a\",\"abc\"],\"size\":1.5e-3}",
                "{\"color\":\"red\",\"count\":7,\"size\":null,\"ok\":false}"
            })
    void validDocumentsAreAccepted(String doc) {
        assertTrue(accepts(SHAPE, doc), doc);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"count\":3,\"color\":\"red\"}",
                "{\"color\":\"pink\",\"count\":3}",
                "{\"color\":\"red\"}",
                "{\"color\":\"red\",\"count\":3.5}",
                "{\"color\":\"red\",\"count\":03}",
                "{\"color\":\"red\",\"count\":3,}",
                "{\"color\":\"red\",\"count\":3,\"tags\":[]}",
                "{\"color\":\"red\",\"count\":3,\"tags\":[\"abcd\"]}",
                "{\"color\":\"red\",\"count\":3,\"extra\":1}",
                "{\"color\": \"red\",\"count\":3}",
                "[1]",
                "   {}",
                "{\"color\":\"red\",\"count\":3} "
            })
    void invalidDocumentsAreRejected(String doc) {
        assertFalse(accepts(SHAPE, doc), doc);
    }

    @Test
    void anIncompleteDocumentCannotEndAndAFinishedOneTakesNothingMore() {
        JsonMatcher.State s =
                JsonMatcher.advance(JsonMatcher.start(JsonSchema.parse(SHAPE)), "{\"color\":\"red\",\"count\":12");
        assertNotNull(s);
        assertFalse(JsonMatcher.canEnd(s));
        JsonMatcher.State end = JsonMatcher.advance(s, '}');
        assertTrue(JsonMatcher.canEnd(end));
        assertNull(JsonMatcher.advance(end, ' '));
    }

    @Test
    void integersAndNumbersAreBounded() {
        String schema = "{\"type\":\"integer\"}";
        assertTrue(accepts(schema, "1".repeat(JsonMatcher.MAX_INTEGER_CHARS)));
        assertFalse(accepts(schema, "1".repeat(JsonMatcher.MAX_INTEGER_CHARS + 1)));
        assertTrue(accepts("{\"type\":\"number\"}", "-0.25E+10"));
    }

    @Test
    void anyObjectTakesNestedValuesAndEscapes() {
        String any = "{\"type\":\"object\",\"additionalProperties\":true}";
        assertTrue(accepts(any, "{\"a\":[1,{\"b\":null}],\"c\\u00e9\":\"x\\\"y\",\"d\":true}"));
        assertFalse(accepts(any, "{\"a\":1"));
        assertFalse(accepts(any, "\"text\""));
        assertFalse(accepts(any, "{\"a\":\"line\nbreak\"}"));
    }

    @Test
    void enumsSharingAPrefixAndOptionalKeysAreDecidedLate() {
        String schema =
                "{\"type\":\"object\",\"properties\":{\"a\":{\"enum\":[1,12,\"x\"]},\"ab\":{\"type\":\"null\"}}}";
        assertTrue(accepts(schema, "{\"a\":1}"));
        assertTrue(accepts(schema, "{\"a\":12,\"ab\":null}"));
        assertTrue(accepts(schema, "{\"ab\":null}"));
        assertTrue(accepts(schema, "{}"));
        assertFalse(accepts(schema, "{\"a\":123}"));
    }

    @Test
    void statesOfAStringFarFromItsBoundsShareAKeySoTheirMasksAreComputedOnce() {
        JsonSchema s = JsonSchema.parse("{\"type\":\"string\",\"maxLength\":200}");
        JsonMatcher.State start = JsonMatcher.start(s);
        String at10 = JsonMatcher.advance(start, "\"" + "a".repeat(10)).toString();
        assertEquals(at10, JsonMatcher.advance(start, "\"" + "b".repeat(150)).toString());
        assertFalse(
                JsonMatcher.advance(start, "\"" + "a".repeat(190))
                        .toString()
                        .equals(JsonMatcher.advance(start, "\"" + "a".repeat(195))
                                .toString()),
                "near the bound each length differs");
        JsonSchema free = JsonSchema.parse("{\"type\":\"string\"}");
        assertEquals(
                JsonMatcher.advance(JsonMatcher.start(free), "\"x").toString(),
                JsonMatcher.advance(JsonMatcher.start(free), "\"" + "y".repeat(500))
                        .toString());
    }

    @Test
    void unsupportedKeywordsAndLimitsAreRefusedByName() {
        assertEquals(
                "schema.properties.p: the keyword 'pattern' is not supported",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> JsonSchema.parse(
                                        "{\"type\":\"object\",\"properties\":{\"p\":{\"type\":\"string\",\"pattern\":\"a+\"}}}"))
                        .getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JsonSchema.parse("{\"anyOf\":[]}"))
                .getMessage()
                .contains("'anyOf'"));
        String deep = "{\"type\":\"array\",\"items\":".repeat(JsonSchema.MAX_DEPTH + 1) + "{\"type\":\"null\"}"
                + "}".repeat(JsonSchema.MAX_DEPTH + 1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JsonSchema.parse(deep))
                .getMessage()
                .contains("deeper than " + JsonSchema.MAX_DEPTH));
        assertTrue(assertThrows(
                        IllegalArgumentException.class, () -> JsonSchema.parse("{\"type\":[\"integer\",\"number\"]}"))
                .getMessage()
                .contains("start alike"));
    }
}
