package org.invllava.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which topics carry each served model's work. */
class ModelTopicsTest {
    @Test
    void thePrimaryModelKeepsThePlainNamesAnotherGetsItsSuffix() {
        ModelTopics primary = ModelTopics.of(ModelTopics.PRIMARY);
        assertEquals(
                List.of(Topics.IMAGES, Topics.PROMPTS, Topics.FEATURES, Topics.WORK, Topics.WORK_BULK),
                List.of(primary.images(), primary.prompts(), primary.features(), primary.work(), primary.bulkWork()));
        assertEquals("", primary.groupSuffix());
        ModelTopics llava = ModelTopics.of("llava-1.5");
        assertEquals(
                List.of(
                        "vlm.images.llava-1.5",
                        "vlm.prompts.llava-1.5",
                        "vlm.features.llava-1.5",
                        "vlm.work.llava-1.5",
                        "vlm.work.bulk.llava-1.5"),
                List.of(llava.images(), llava.prompts(), llava.features(), llava.work(), llava.bulkWork()));
        assertEquals("-llava-1.5", llava.groupSuffix());
    }

    @Test
    void everyTopicOfAStackServingTwoModelsOnceWithItsSpec() {
        List<Topics.Spec> specs = ModelTopics.specs(List.of("inverse-llava", "llava-1.5"));
        assertEquals(Topics.ALL.size() + 5, specs.size());
        Set<String> names = new HashSet<>();
        specs.forEach(s -> assertTrue(names.add(s.name()), "twice: " + s.name()));
        Topics.Spec work = specs.stream()
                .filter(s -> s.name().equals("vlm.work.llava-1.5"))
                .findFirst()
                .orElseThrow();
        assertEquals(WorkItem.class, work.valueType());
        assertEquals(
                Topics.ALL.stream()
                        .filter(s -> s.name().equals(Topics.WORK))
                        .findFirst()
                        .orElseThrow()
                        .retention(),
                work.retention());
        assertEquals(Topics.ALL, ModelTopics.specs(List.of(ModelTopics.PRIMARY)));
    }

    @Test
    void anIdThatCannotNameATopicIsRefused() {
        for (String bad : new String[] {"", "LLaVA", "llava/1.5", "-llava", "a b", "x".repeat(64)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelTopics.of(bad), bad);
            assertTrue(e.getMessage().contains("model id"), e.getMessage());
        }
    }
}
