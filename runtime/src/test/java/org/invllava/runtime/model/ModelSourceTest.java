package org.invllava.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Which family a set of directories selects, and what is refused, as services and commands both see it. */
class ModelSourceTest {
    private static final Path A = Path.of("a");
    private static final Path B = Path.of("b");
    private static final Path C = Path.of("c");

    @Test
    void eachFamilyIsSelectedByItsOwnDirectories() {
        assertEquals(
                new ModelSource.InverseLlava(new ModelPaths(A, B, C)),
                ModelSource.of(new ModelSource.Dirs(null, A, B, C, null, null), ModelSource.ENV));
        assertEquals(
                new ModelSource.Llava(new LlavaPaths(A, B)),
                ModelSource.of(new ModelSource.Dirs(A, B, null, null, null, null), ModelSource.ENV));
        assertEquals(
                new ModelSource.Dpa(A, B),
                ModelSource.forVision(new ModelSource.Dirs(null, null, null, null, A, B), ModelSource.ENV));
        assertEquals(
                new ModelSource.InverseLlava(new ModelPaths(null, B, C)),
                ModelSource.forLanguage(new ModelSource.Dirs(null, null, B, C, null, null), ModelSource.ENV));
    }

    @Test
    void dpaBesideAnotherFamilysDirectoriesIsRefusedNamingThem() {
        assertEquals(
                "give DPA_MODEL_DIR (DPA) or FUSION_CHECKPOINT_DIR, LLAVA_MODEL_DIR, not both",
                refusal(new ModelSource.Dirs(B, null, null, C, A, null)));
        assertEquals(
                "DPA_MODEL_DIR is required with DPA_REFS_DIR", refusal(new ModelSource.Dirs(null, A, B, C, null, B)));
    }

    @Test
    void aPartialOrMixedSetIsRefused() {
        assertEquals(
                "give LLAVA_MODEL_DIR or LANGUAGE_MODEL_DIR with FUSION_CHECKPOINT_DIR, not both",
                refusal(new ModelSource.Dirs(A, null, B, C, null, null)));
        assertEquals(
                "VISION_MODEL_DIR, LANGUAGE_MODEL_DIR and FUSION_CHECKPOINT_DIR are required (or LLAVA_MODEL_DIR for "
                        + "LLaVA-1.5)",
                refusal(new ModelSource.Dirs(null, A, null, C, null, null)));
        assertEquals(
                "VISION_MODEL_DIR and FUSION_CHECKPOINT_DIR are required (or LLAVA_MODEL_DIR for LLaVA-1.5)",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> ModelSource.forVision(
                                        new ModelSource.Dirs(null, null, null, C, null, null), ModelSource.ENV))
                        .getMessage());
    }

    private static String refusal(ModelSource.Dirs dirs) {
        return assertThrows(IllegalArgumentException.class, () -> ModelSource.of(dirs, ModelSource.ENV))
                .getMessage();
    }
}
