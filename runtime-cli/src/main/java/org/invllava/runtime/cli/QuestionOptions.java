package org.invllava.runtime.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.invllava.runtime.model.MultimodalModel;
import org.invllava.runtime.vision.ImageDecoder;
import org.invllava.wire.PatchFeatures;
import picocli.CommandLine.Option;

/** The question the answering commands take: {@code --prompt} and an optional {@code --image} (a picocli mixin). */
final class QuestionOptions {
    /** Decoded-pixel guard against decompression bombs for CLI input. */
    static final long MAX_PIXELS = 64L << 20;

    @Option(names = "--image", description = "PNG or JPEG image; omit for a text-only question")
    Path image;

    @Option(names = "--prompt", required = true, description = "the user's question (the template is applied)")
    String prompt;

    /** The question as given: the prompt and the image file's bytes (null without {@code --image}). */
    record Question(String prompt, byte[] image) {
        /** The image's features for {@code model}: none, or one block. */
        List<PatchFeatures> features(MultimodalModel model) {
            return image == null ? List.of() : model.encodeImages(List.of(new ImageDecoder(MAX_PIXELS).decode(image)));
        }

        /** The prompt in the {@code vicuna_v1} template, with the image token when there is an image. */
        int[] promptIds(MultimodalModel model) {
            return model.chat().question(prompt, image != null);
        }
    }

    /** Reads the image file, if any; a missing file is an error naming it. */
    Question read() throws IOException {
        if (image != null && !Files.isRegularFile(image)) {
            throw new IllegalArgumentException(image + ": image file not found");
        }
        return new Question(prompt, image == null ? null : Files.readAllBytes(image));
    }
}
