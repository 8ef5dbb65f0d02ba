package org.invllava.evaluation.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.invllava.evaluation.world.QuestionKind;
import org.invllava.evaluation.world.Style;
import org.invllava.evaluation.world.World;
import org.invllava.evaluation.world.WorldExport;
import org.invllava.evaluation.world.WorldQuestion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Writes the synthetic visual-QA world's splits as benchmark files. */
@Command(
        name = "world",
        mixinStandardHelpOptions = true,
        description =
                "Write the synthetic visual-QA world (pictures of shapes, questions with exact answers) as "
                        + "train/val/test folders in the public benchmarks' formats (jsonl, VQAv2, GQA, POPE, MME, ScienceQA, MMBench).")
public final class WorldCommand implements Callable<Integer> {
    /** The folder of the robustness split, beside the others: {@code shifted/test}. */
    static final String SHIFTED = "shifted";

    @Option(names = "--out", required = true, description = "output folder (train/, val/, test/ and world.json)")
    Path out;

    @Option(names = "--seed", defaultValue = "0", description = "the world's seed (default 0)")
    long seed;

    @Option(
            names = "--image-size",
            defaultValue = "" + World.DEFAULT_IMAGE_SIZE,
            description = "picture side in pixels")
    int imageSize;

    @Option(names = "--train", defaultValue = "2000", description = "training pictures (about 4.5 questions each)")
    int train;

    @Option(names = "--val", defaultValue = "200", description = "validation pictures")
    int val;

    @Option(names = "--test", defaultValue = "500", description = "test pictures")
    int test;

    @Option(
            names = "--style",
            defaultValue = "plain",
            description = "how the pictures are drawn: plain (default: the first renderer, grey 118, hard edges; the "
                    + "bundled demo's), augmented (varied looks, to train on), shifted (the robustness split's looks)")
    String style;

    @Option(
            names = "--no-shifted",
            description =
                    "do not write the robustness split (shifted/test: the test questions, pictures drawn shifted)")
    boolean noShifted;

    @Override
    public Integer call() throws Exception {
        World world = new World(seed, imageSize, Style.parse(style));
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode manifest = json.createObjectNode()
                .put("seed", seed)
                .put("image_size", imageSize)
                .put("style", style);
        Map<World.Split, Integer> sizes =
                Map.of(World.Split.TRAIN, train, World.Split.VALIDATION, val, World.Split.TEST, test);
        for (World.Split split : World.Split.values()) {
            List<World.Sample> samples = world.samples(split, 0, sizes.get(split));
            int questions = WorldExport.write(split, samples, Files.createDirectories(out.resolve(split.label())));
            Map<String, Integer> kinds = new TreeMap<>();
            samples.forEach(s -> s.questions().forEach(q -> kinds.merge(q.kind().label(), 1, Integer::sum)));
            manifest.putObject(split.label())
                    .put("images", samples.size())
                    .put("questions", questions)
                    .set("questions_per_kind", json.valueToTree(kinds));
            System.out.printf("%-5s %5d pictures, %6d questions %s%n", split.label(), samples.size(), questions, kinds);
        }
        if (!noShifted && world.style() != Style.SHIFTED) {
            World shifted = new World(seed, imageSize, Style.SHIFTED);
            Path dir = Files.createDirectories(out.resolve(SHIFTED).resolve(World.Split.TEST.label()));
            WorldExport.write(World.Split.TEST, shifted.samples(World.Split.TEST, 0, test), dir);
            manifest.putObject(SHIFTED).put("images", test).put("folder", SHIFTED + "/" + World.Split.TEST.label());
            System.out.printf("%-5s %5d pictures (the test questions, drawn shifted) in %s%n", "", test, dir);
        }
        ObjectNode chance = manifest.putObject("chance_accuracy_percent");
        for (QuestionKind k : QuestionKind.values()) {
            chance.put(k.label(), chance(k));
        }
        json.writeValue(out.resolve("world.json").toFile(), manifest);
        System.out.println("chance accuracy per kind (%): " + manifest.get("chance_accuracy_percent"));
        System.out.println(
                "written to " + out.toAbsolutePath() + " (prompts end with: \"" + WorldQuestion.SHORT_ANSWER + "\")");
        return 0;
    }

    /** A uniform guess among the answers a kind allows. */
    static double chance(QuestionKind kind) {
        return switch (kind) {
            case COLOR -> 100.0 / org.invllava.evaluation.world.Colour.values().length;
            case COUNT, CHOICE -> 25.0;
            case PRESENCE, POSITION -> 50.0;
        };
    }
}
