package org.invllava.fusion.svc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.invllava.runtime.generate.Logprobs;
import org.invllava.runtime.generate.OutputOptions;
import org.invllava.runtime.generate.SamplingParams;
import org.invllava.runtime.generate.json.JsonConstraint;
import org.invllava.runtime.model.MultimodalModel;
import org.invllava.runtime.tokenizer.ChatTemplate;
import org.invllava.schemas.ConversationTurn;
import org.invllava.schemas.PromptRequest;
import org.invllava.schemas.SamplingParameters;
import org.invllava.schemas.TurnRole;
import org.invllava.wire.json.JsonSchema;

/**
 * What the engine runs for one prompt record: the prompt's token ids (the model's chat template over the
 * conversation, or a completion's raw text or ids), one sampling stream per choice (seed + choice index), and the
 * output options (log probabilities, the echo, a JSON schema). Every field is the client's: what it cannot be is an
 * {@link InvalidRequestException}.
 *
 * @param scoreOnly {@code max_tokens} 0 with {@code echo}: the prompt is scored, the one token computed is dropped
 * @param echoText  the prompt's text for an echo, or null
 */
record PromptPlan(
        int[] promptIds, List<SamplingParams> choices, OutputOptions options, boolean scoreOnly, String echoText) {
    /** Earlier turns of one request, at most (a record from anywhere but the gateway could carry millions). */
    static final int MAX_HISTORY_TURNS = 256;
    /** Choices of one request, at most (the gateway documents the same cap). */
    static final int MAX_CHOICES = 8;

    boolean echo() {
        return echoText != null;
    }

    static PromptPlan of(PromptRequest p, MultimodalModel model, Grammars grammars) {
        org.invllava.schemas.OutputOptions o = p.getOutput();
        int logprobs = o == null ? -1 : o.getLogprobs();
        boolean echo = o != null && o.getEcho();
        int n = o == null ? 1 : o.getChoices();
        if (logprobs < -1 || logprobs > Logprobs.MAX_TOP) {
            throw new InvalidRequestException("logprobs must be -1..." + Logprobs.MAX_TOP + ", got " + logprobs);
        }
        if (n < 1 || n > MAX_CHOICES) {
            throw new InvalidRequestException("choices (n) must be 1.." + MAX_CHOICES + ", got " + n);
        }
        if (echo && (p.getHasImage() || !p.getRaw())) {
            throw new InvalidRequestException("echo is for text completions only");
        }
        int[] ids = promptIds(p, model);
        boolean scoreOnly = p.getSampling().getMaxNewTokens() == 0;
        if (scoreOnly && !echo) {
            throw new InvalidRequestException("max tokens 0 needs echo (the prompt scored, nothing generated)");
        }
        List<SamplingParams> choices = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SamplingParameters s = p.getSampling();
            choices.add(sampling(SamplingParameters.newBuilder(s)
                    .setMaxNewTokens(scoreOnly ? 1 : s.getMaxNewTokens())
                    .setSeed(s.getSeed() + i)
                    .build()));
        }
        String schema = o == null ? null : o.getJsonSchema();
        JsonConstraint.Grammar grammar = schema == null ? null : grammars.get(schema);
        OutputOptions options = new OutputOptions(
                logprobs,
                echo && logprobs >= 0,
                grammar == null ? null : grammar::newConstraint,
                p.getRaw() || !p.getPromptTokenIds().isEmpty());
        String echoText = !echo
                ? null
                : p.getPromptTokenIds().isEmpty() ? p.getQuestion() : new TokenTexts(model.tokenizer()).spell(ids);
        return new PromptPlan(ids, List.copyOf(choices), options, scoreOnly, echoText);
    }

    /** The prompt's ids: a completion's own ids, or its raw text, or the conversation in the model's template. */
    static int[] promptIds(PromptRequest p, MultimodalModel model) {
        if (!p.getPromptTokenIds().isEmpty()) {
            int vocab = model.tokenizer().vocabSize();
            if (p.getPromptTokenIds().stream().anyMatch(id -> id < 0 || id >= vocab)) {
                throw new InvalidRequestException("prompt token ids must be in 0.." + (vocab - 1));
            }
            return p.getPromptTokenIds().stream().mapToInt(Integer::intValue).toArray();
        }
        if (p.getRaw()) {
            if (p.getHasImage() || !p.getHistory().isEmpty()) {
                throw new InvalidRequestException("a raw prompt has no image and no earlier turns");
            }
            return model.chat().raw(p.getQuestion());
        }
        return model.chat().conversation(p.getSystem(), conversation(p));
    }

    /** The request's turns, the question last; the image goes on the turn that holds it. */
    static List<ChatTemplate.Turn> conversation(PromptRequest p) {
        if (p.getHistory().size() > MAX_HISTORY_TURNS) { // before anything is tokenised: the gateway allows far fewer
            throw new InvalidRequestException(
                    "the conversation has " + p.getHistory().size() + " earlier turns, over " + MAX_HISTORY_TURNS);
        }
        long imageTurns =
                p.getHistory().stream().filter(ConversationTurn::getHasImage).count();
        if (imageTurns > 1 || (imageTurns == 1 && !p.getHasImage())) {
            throw new InvalidRequestException("at most one turn can hold the image, and only when the request has one");
        }
        List<ChatTemplate.Turn> turns = new ArrayList<>();
        for (ConversationTurn t : p.getHistory()) {
            turns.add(new ChatTemplate.Turn(
                    t.getRole() == TurnRole.USER ? ChatTemplate.Role.USER : ChatTemplate.Role.ASSISTANT,
                    t.getText(),
                    t.getHasImage()));
        }
        turns.add(new ChatTemplate.Turn(ChatTemplate.Role.USER, p.getQuestion(), p.getHasImage() && imageTurns == 0));
        return turns;
    }

    /** The request's sampling parameters; values {@link SamplingParams} refuses are the client's. */
    static SamplingParams sampling(SamplingParameters s) {
        try {
            return new SamplingParams(
                    s.getMaxNewTokens(), s.getTemperature(), s.getTopP(), s.getTopK(), s.getSeed(), s.getStop());
        } catch (IllegalArgumentException e) { // the record's validation of the values it was given, nothing else
            throw new InvalidRequestException(e.getMessage());
        }
    }

    /**
     * Compiled schemas over this model's vocabulary, the most recently used kept (with the allowed sets each has
     * cached), so that requests sending the same schema share the work.
     */
    static final class Grammars {
        private static final int KEPT = 64;
        private final MultimodalModel model;
        private final Map<String, JsonConstraint.Grammar> compiled = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, JsonConstraint.Grammar> e) {
                return size() > KEPT;
            }
        };

        Grammars(MultimodalModel model) {
            this.model = model;
        }

        synchronized JsonConstraint.Grammar get(String schema) {
            JsonConstraint.Grammar g = compiled.get(schema);
            if (g == null) {
                try {
                    g = JsonConstraint.grammar(
                            JsonSchema.parse(schema),
                            model.tokenizer(),
                            model.language().config().eosTokenIds());
                } catch (IllegalArgumentException e) {
                    throw new InvalidRequestException("response format: " + e.getMessage());
                }
                compiled.put(schema, g);
            }
            return g;
        }
    }
}
