package org.invllava.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** GATEWAY_MODELS: the served ids, the first the default. */
class ServedModelsTest {
    @Test
    void aCommaListWithBlanksIsTheIdsInOrder() {
        ServedModels m = ServedModels.parse(" inverse-llava , llava-1.5,, ");
        assertEquals(List.of("inverse-llava", "llava-1.5"), m.ids());
        assertEquals("inverse-llava", m.defaultModel());
    }

    @Test
    void emptyDuplicateOrUnusableIdsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ServedModels.parse(" , "));
        assertThrows(IllegalArgumentException.class, () -> ServedModels.parse("llava-1.5,llava-1.5"));
        assertThrows(IllegalArgumentException.class, () -> ServedModels.parse("LLaVA 1.5"));
    }
}
