package org.invllava.training;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.invllava.evaluation.world.Style;
import org.invllava.evaluation.world.World;
import org.invllava.runtime.config.LlamaConfig;
import org.invllava.runtime.demo.DemoModelFactory;
import org.invllava.runtime.demo.ModelShape;
import org.invllava.runtime.model.ModelPaths;
import org.invllava.runtime.model.Tokenizers;
import org.invllava.runtime.weights.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Trains the demo model on the synthetic world: the vision tower contrastively on (picture, caption) pairs, the
 * language model on the world's text, then Inverse-LLaVA's single stage (the fusion, and LoRA on layers without it;
 * tower and LM frozen). Writes a model directory with {@code vision/}, {@code language/}, {@code inverse-llava/} and
 * {@code loss.png}; resumes from {@code --work} when interrupted.
 */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        description = "Train the demo Inverse-LLaVA on the synthetic visual-QA world (reproducible from --seed).")
public final class TrainCommand implements Callable<Integer> {
    @Option(
            names = "--out",
            required = true,
            description = "model directory to write (vision/, language/, inverse-llava/)")
    Path out;

    @Option(names = "--work", description = "resumable state and the validation split (default: OUT/.work)")
    Path work;

    @Option(names = "--seed", defaultValue = "7", description = "initial weights, world and data order (default 7)")
    long seed;

    @Option(
            names = "--style",
            defaultValue = "plain",
            description = "how the world's pictures are drawn (evaluation.md): plain (default: the first renderer, "
                    + "the bundled demo's), augmented (varied looks: training.md has what it gives), shifted")
    String style;

    @Option(
            names = "--stage",
            defaultValue = "all",
            description =
                    "all, vision, language, inverse-llava or llava (the last two need OUT/vision and OUT/language; "
                            + "all does not include llava, the LLaVA-1.5 baseline)")
    String stage;

    @Option(names = "--vision-epochs", defaultValue = "16")
    int visionEpochs;

    @Option(names = "--vision-lr", defaultValue = "2e-3")
    double visionLr;

    @Option(names = "--vision-batch-size", defaultValue = "64", description = "pictures per contrastive batch")
    int visionBatchSize;

    @Option(
            names = "--shape-twins",
            description =
                    "vision stage: each picture with a twin of other shapes in its batch, "
                            + "and colour-shape pairs in the caption's bag (off: the shipped demo's tower; see docs/training.md)")
    boolean shapeTwins;

    @Option(
            names = "--patch-labels",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description =
                    "vision stage: also learn each patch's labels (the shape and colour in its quadrant, the number "
                            + "of shapes, its quadrant) through a head thrown away afterwards (default on)")
    boolean patchLabels;

    @Option(names = "--train-images", defaultValue = "2000", description = "training pictures (~4.5 questions each)")
    int trainImages;

    @Option(
            names = "--vision-images",
            defaultValue = "20000",
            description = "pictures of the vision stage (the first --train-images of them are the questions' pictures)")
    int visionImages;

    @Option(
            names = "--repeat",
            split = ",",
            defaultValue = "presence=4,choice=2,count=2",
            description = "question stages: question kinds shown more than once per epoch (default "
                    + "presence=4,choice=2,count=2: the yes/no and lettered-choice questions learn slowly among the "
                    + "others, and counting four shapes is lost without the count twice; a presence copy asks about "
                    + "another shape and colour of the picture, a position copy about a shape it holds once on an "
                    + "axis drawn again, a choice copy has its options rotated; "
                    + "presence=1,choice=1,count=1 shows each question once)")
    Map<String, Integer> repeat;

    @Option(names = "--val-images", defaultValue = "100", description = "validation pictures")
    int valImages;

    @Option(names = "--lm-epochs", defaultValue = "2")
    int lmEpochs;

    @Option(names = "--lm-lr", defaultValue = "3e-3")
    double lmLr;

    @Option(
            names = "--lm-choice-copies",
            defaultValue = "4",
            description = "language stage: each lettered-choice question also asked after its picture's caption, this "
                    + "many times with the options rotated (default 4; 0: none; see docs/training.md)")
    int lmChoiceCopies;

    @Option(names = "--epochs", defaultValue = "15", description = "Inverse-LLaVA stage epochs (default 15)")
    int epochs;

    @Option(names = "--lr", defaultValue = "3e-3", description = "Inverse-LLaVA stage peak learning rate")
    double lr;

    @Option(
            names = "--start-fusion",
            description = "Inverse-LLaVA stage: start from this bundle's delta (same layers and rank) instead of a "
                    + "fresh one, e.g. a run on --style plain going on on augmented pictures (a curriculum)")
    Path startFusion;

    @Option(names = "--lora-rank", defaultValue = "16", description = "LoRA rank (alpha = 2·rank)")
    int loraRank;

    @Option(
            names = "--fusion-layers",
            split = ",",
            description = "layers with the inverse fusion (default: every layer)")
    List<Integer> fusionLayers;

    @Option(names = "--batch-size", defaultValue = "16")
    int batchSize;

    @Option(names = "--layers", defaultValue = "3", description = "LLaMA layers of the demo shape (default 3)")
    int layers;

    @Option(
            names = "--llava-pretrain-epochs",
            defaultValue = "4",
            description = "LLaVA-1.5 stage 1 (projector on captions) epochs (default 4; 0: no stage 1)")
    int llavaPretrainEpochs;

    @Option(
            names = "--llava-epochs",
            defaultValue = "15",
            description = "LLaVA-1.5 stage 2 (projector + LoRA on questions) epochs (default 15, as --epochs)")
    int llavaEpochs;

    @Option(names = "--llava-pretrain-lr", defaultValue = "1e-3", description = "LLaVA-1.5 stage 1 peak learning rate")
    double llavaPretrainLr;

    @Option(
            names = "--llava-feature-layer",
            defaultValue = "-2",
            description = "LLaVA-1.5: the tower's hidden state the projector reads (default -2, LLaVA-1.5's; -1, the"
                    + " last layer, is the one Inverse-LLaVA reads)")
    int llavaFeatureLayer;

    @Override
    public Integer call() throws Exception {
        if (!List.of("all", "vision", "language", "inverse-llava", "llava").contains(stage)) {
            throw new IllegalArgumentException(
                    "--stage must be all, vision, language, inverse-llava or llava, got " + stage);
        }
        if (lmChoiceCopies < 0) {
            throw new IllegalArgumentException("--lm-choice-copies must be 0 or more, got " + lmChoiceCopies);
        }
        Path workDir = work != null ? work : out.resolve(".work");
        ModelShape shape = ModelShape.tiny().withLayers(layers);
        Path init = workDir.resolve("init");
        ModelPaths initial =
                new ModelPaths(init.resolve("vision"), init.resolve("language"), init.resolve("inverse-llava"));
        Path marker = init.resolve("made-with.txt");
        Style drawn = Style.parse(style);
        String madeWith =
                "seed " + seed + ", layers " + layers + (drawn == Style.PLAIN ? "" : ", style " + style) + "\n";
        if (!Files.exists(initial.fusion().resolve("COMPLETE"))) {
            new DemoModelFactory(shape, DType.F32, seed).write(init); // the starting weights of every part
            Files.writeString(marker, madeWith);
        } else if (!Files.exists(marker) || !Files.readString(marker).equals(madeWith)) {
            throw new IllegalArgumentException(workDir + " holds a run with other starting weights ("
                    + (Files.exists(marker) ? Files.readString(marker).strip() : "unknown")
                    + "): give another --work (or --out) to start anew");
        }
        World world = new World(seed, shape.imageSize(), drawn);
        List<World.Sample> train = world.samples(World.Split.TRAIN, 0, trainImages);
        List<World.Sample> questions = RepeatedKinds.of(world, train, repeat);
        Path validation =
                InverseLlavaStage.writeSplit(world, World.Split.VALIDATION, valImages, workDir.resolve("world"));
        ModelPaths result =
                new ModelPaths(out.resolve("vision"), out.resolve("language"), out.resolve("inverse-llava"));
        List<LossCurve.Series> curves = new ArrayList<>();
        long start = System.nanoTime();
        if (stage.equals("all") || stage.equals("vision")) {
            LlamaConfig lmConfig = LlamaConfig.load(initial.language().resolve("config.json"));
            TrainState v = VisionStage.run(
                    initial.vision(),
                    result.vision(),
                    workDir,
                    world.samples(World.Split.TRAIN, 0, visionImages),
                    world.samples(World.Split.VALIDATION, 0, valImages),
                    Tokenizers.load(initial.language(), lmConfig),
                    new TrainOptions(
                            visionEpochs,
                            shapeTwins ? Math.max(1, visionBatchSize / 2) : visionBatchSize,
                            visionLr,
                            0.05,
                            0.01,
                            seed,
                            100),
                    new VisionStage.Objective(shapeTwins, patchLabels));
            curves.add(new LossCurve.Series("vision tower (contrastive)", v.losses(), v.validation()));
        }
        if (stage.equals("all") || stage.equals("language")) {
            TrainState lm = LanguageStage.run(
                    initial.language(),
                    result.language(),
                    workDir,
                    train,
                    lmChoiceCopies,
                    new TrainOptions(lmEpochs, batchSize, lmLr, 0.03, 0.0, seed, 200));
            curves.add(new LossCurve.Series("language model", lm.losses(), lm.validation()));
        }
        if (stage.equals("all") || stage.equals("inverse-llava")) {
            TrainState s = InverseLlavaStage.run(
                    result.vision(),
                    result.language(),
                    InverseLlavaStage.template(initial.fusion(), fusionLayers(), loraRank),
                    result.fusion(),
                    workDir,
                    questions,
                    validation,
                    new TrainOptions(epochs, batchSize, lr, 0.03, 0.0, seed, 200),
                    DeltaInit.reference(),
                    Optional.ofNullable(startFusion));
            curves.add(new LossCurve.Series("inverse-llava (single stage)", s.losses(), s.validation()));
        }
        if (stage.equals("llava")) {
            curves.addAll(llava(result, workDir, questions, validation));
        }
        String curve = stage.equals("llava") ? "loss-llava.png" : "loss.png";
        LossCurve.write(curves, out.resolve(curve));
        System.out.printf(
                "trained in %.1f min; model in %s (loss curve: %s)%n", (System.nanoTime() - start) / 6e10, out, curve);
        System.out.println("try: bin/inverse-llava eval --world <world>/test "
                + (stage.equals("llava")
                        ? "--llava-model " + out.resolve(LlavaStage.ID)
                        : "--vision-model " + result.vision() + " --language-model " + result.language()
                                + " --fusion-checkpoint " + result.fusion()));
        return 0;
    }

    /** {@code --fusion-layers}, or every layer of the LLaMA when not given. */
    private List<Integer> fusionLayers() {
        return fusionLayers != null
                ? fusionLayers
                : IntStream.range(0, layers).boxed().toList();
    }

    /** The LLaVA-1.5 baseline's two stages (stage 1 skipped at {@code --llava-pretrain-epochs 0}); their curves. */
    private List<LossCurve.Series> llava(ModelPaths frozen, Path workDir, List<World.Sample> train, Path validation)
            throws Exception {
        LlavaStage.Result r = LlavaStage.run(
                frozen.vision(),
                frozen.language(),
                out.resolve(LlavaStage.ID),
                workDir,
                train,
                validation,
                new LlavaStage.Options(
                        llavaPretrainEpochs == 0
                                ? null
                                : new TrainOptions(
                                        llavaPretrainEpochs, batchSize, llavaPretrainLr, 0.03, 0.0, seed, 200),
                        new TrainOptions(llavaEpochs, batchSize, lr, 0.03, 0.0, seed, 200),
                        loraRank,
                        llavaFeatureLayer));
        List<LossCurve.Series> curves = new ArrayList<>();
        if (r.pretrain() != null) {
            curves.add(new LossCurve.Series(
                    "llava-1.5 stage 1 (projector)",
                    r.pretrain().losses(),
                    r.pretrain().validation()));
        }
        curves.add(new LossCurve.Series(
                "llava-1.5 stage 2 (projector + LoRA)",
                r.finetune().losses(),
                r.finetune().validation()));
        return curves;
    }
}
