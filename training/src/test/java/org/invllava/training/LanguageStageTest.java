package org.invllava.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.invllava.evaluation.world.QuestionKind;
import org.invllava.evaluation.world.World;
import org.invllava.evaluation.world.WorldQuestion;
import org.invllava.runtime.config.LlamaConfig;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.model.Tokenizers;
import org.invllava.runtime.tokenizer.LlamaTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The language stage's text: the described lettered-choice copies that teach the frozen LLaMA multiple choice. */
class LanguageStageTest {
    private static final List<World.Sample> TRAIN =
            new World(7, World.DEFAULT_IMAGE_SIZE).samples(World.Split.TRAIN, 0, 20);

    @Test
    void aDescribedQuestionIsTheCaptionThenTheBenchmarkPrompt() {
        World.Sample s = TRAIN.stream()
                .filter(x -> x.questions().stream().anyMatch(q -> q.kind() == QuestionKind.CHOICE))
                .findFirst()
                .orElseThrow();
        WorldQuestion q = s.questions().stream()
                .filter(x -> x.kind() == QuestionKind.CHOICE)
                .findFirst()
                .orElseThrow();
        String text = LanguageStage.described(s.scene().caption(), q);
        assertEquals(
                s.scene().caption() + "\n" + q.question() + "\n" + WorldQuestion.lettered(q.choices())
                        + WorldQuestion.LETTER_ANSWER,
                text);
        assertTrue(text.contains(q.answerText()), "the caption names the asked shape's colour: " + text);
    }

    @Test
    void theCopiesComeOnTopOfOneCaptionAndOneConversationPerQuestion(@TempDir Path dir) throws Exception {
        ModelPaths demo = DemoModelFactory.writeRandomDemo(dir);
        LlamaTokenizer tokenizer = Tokenizers.load(
                demo.language(), LlamaConfig.load(demo.language().resolve("config.json")));
        int questions = TRAIN.stream().mapToInt(s -> s.questions().size()).sum();
        int plain = LanguageStage.examples(TRAIN, tokenizer, 0).size();
        assertEquals(TRAIN.size() + questions, plain);
        assertEquals(
                plain + 3 * choices().size(),
                LanguageStage.examples(TRAIN, tokenizer, 3).size());
    }

    private static List<WorldQuestion> choices() {
        List<WorldQuestion> out = TRAIN.stream()
                .flatMap(s -> s.questions().stream())
                .filter(q -> q.kind() == QuestionKind.CHOICE)
                .toList();
        assertTrue(out.size() > 5, "the slice has choice questions");
        return out;
    }
}
