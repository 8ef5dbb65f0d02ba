package org.invllava.fusion.svc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.invllava.kafka.KafkaSettings;
import org.invllava.runtime.tokenizer.ChatTemplate;
import org.invllava.schemas.ConversationTurn;
import org.invllava.schemas.ModelTopics;
import org.invllava.schemas.PromptRequest;
import org.invllava.schemas.SamplingParameters;
import org.invllava.schemas.TurnRole;
import org.junit.jupiter.api.Test;

/** What a request's own fields can do wrong is typed (answered {@code invalid_request}); a bad setting is refused. */
class RequestFieldsTest {
    @Test
    void aSecondImageTurnIsTheClientsError() {
        PromptRequest p = FusionLlmServiceTest.prompt("two-images", "and this?", true, 4);
        p.setHistory(List.of(
                new ConversationTurn(TurnRole.USER, "look", true),
                new ConversationTurn(TurnRole.ASSISTANT, "ok", false)));
        assertEquals(
                1,
                PromptPlan.conversation(p).stream()
                        .filter(ChatTemplate.Turn::image)
                        .count());
        p.setHistory(List.of(
                new ConversationTurn(TurnRole.USER, "look", true), new ConversationTurn(TurnRole.USER, "again", true)));
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> PromptPlan.conversation(p));
        assertTrue(e.getMessage().contains("one turn"), e.getMessage());
    }

    /** A record from anywhere but the gateway could carry 200,000 turns: refused before anything is tokenised. */
    @Test
    void aConversationOverTheTurnLimitIsRefusedBeforeTokenising() {
        PromptRequest p = FusionLlmServiceTest.prompt("many", "and?", false, 4);
        List<ConversationTurn> turns = new java.util.ArrayList<>();
        for (int i = 0; i <= PromptPlan.MAX_HISTORY_TURNS; i++) {
            turns.add(new ConversationTurn(i % 2 == 0 ? TurnRole.USER : TurnRole.ASSISTANT, "", false));
        }
        p.setHistory(turns);
        assertThrows(InvalidRequestException.class, () -> PromptPlan.conversation(p));
    }

    @Test
    void samplingValuesTheModelRefusesAreTheClientsError() {
        SamplingParameters s = SamplingParameters.newBuilder()
                .setMaxNewTokens(4)
                .setTemperature(-1f)
                .build();
        assertThrows(InvalidRequestException.class, () -> PromptPlan.sampling(s));
        assertEquals(
                4,
                PromptPlan.sampling(SamplingParameters.newBuilder()
                                .setMaxNewTokens(4)
                                .build())
                        .maxNewTokens());
    }

    @Test
    void aWorkGroupNamedAsTheStreamsApplicationIsRefusedAtStart() {
        FusionLlmConfig d = TestConfigs.fusion(KafkaSettings.of("localhost:9092", "t"), "/tmp/s");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new FusionLlmConfig(
                        d.kafka(),
                        "same",
                        Duration.ofSeconds(1),
                        "same",
                        d.engine(),
                        0,
                        d.stateDir(),
                        ModelTopics.of(ModelTopics.PRIMARY),
                        d.orphanGrace()));
        assertTrue(e.getMessage().contains("must differ"), e.getMessage());
    }

    @Test
    void theJoinsChangelogKeepsAMinutePastTheWindowNotADay() {
        FusionLlmConfig d =
                TestConfigs.fusion(KafkaSettings.of("localhost:9092", "t").withSessionTimeout(3000), "/tmp/s");
        java.util.Map<String, String> changelog = JoinTopology.changelog(d.joinWindow());
        assertEquals(String.valueOf(d.joinWindow().toMillis() + 60_000), changelog.get("retention.ms"));
        assertEquals(changelog.get("retention.ms"), changelog.get("segment.ms"), "segments old enough to be deleted");
        assertEquals("compact,delete", changelog.get("cleanup.policy"));
        assertEquals(3000, FusionLlmService.streamsProperties(d).get("consumer.session.timeout.ms"));
    }
}
