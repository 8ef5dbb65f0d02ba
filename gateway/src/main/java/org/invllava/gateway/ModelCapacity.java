package org.invllava.gateway;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.invllava.schemas.ErrorCode;
import org.invllava.schemas.ModelTopics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which served models can answer now: a model has capacity while its vision encoder's group and its fusion LLM's work
 * group (the services' default group names, {@link ModelTopics#visionGroup}, {@link ModelTopics#workGroup}) each have a
 * member, as the broker's Admin API reports them, polled every {@code interval}. A request for a model without
 * capacity is answered 503 {@code not_ready} at once instead of waiting out its deadline.
 */
public final class ModelCapacity implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelCapacity.class);

    /**
     * What a model lacks, or nothing: the reason readiness and the 503 give. {@code denied} names the groups the
     * gateway's Kafka user may not describe (empty normally): their members cannot be seen, so they count as none.
     */
    public record State(boolean vision, boolean fusion, List<String> denied) {
        public State {
            denied = List.copyOf(denied);
        }

        State(boolean vision, boolean fusion) {
            this(vision, fusion, List.of());
        }

        public boolean ready() {
            return vision && fusion;
        }

        public String missing() {
            String what = !vision && !fusion
                    ? "no vision encoder and no fusion LLM"
                    : !vision ? "no vision encoder" : "no fusion LLM";
            return denied.isEmpty()
                    ? what
                    : what + " seen (the gateway's Kafka user may not describe consumer group "
                            + String.join(", ", denied) + ")";
        }
    }

    private final List<String> models;
    private final Admin admin;
    private final Map<String, State> states = new ConcurrentHashMap<>();
    /** Model to when ({@link System#nanoTime}) its last fusion LLM left the group, while none has come back. */
    private final Map<String, Long> fusionGoneSince = new ConcurrentHashMap<>();

    private final Thread poller;
    private volatile boolean running = true;

    public ModelCapacity(org.invllava.kafka.KafkaSettings kafka, List<String> models, Duration interval) {
        this.models = List.copyOf(models);
        this.admin = Admin.create(kafka.admin());
        models.forEach(m -> states.put(m, new State(false, false)));
        this.poller = new Thread(
                () -> {
                    while (running) {
                        poll();
                        try {
                            Thread.sleep(interval.toMillis());
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "model-capacity");
        this.poller.setDaemon(true);
        this.poller.start();
    }

    void poll() {
        List<String> groups = new ArrayList<>();
        models.stream().map(ModelTopics::of).forEach(t -> groups.addAll(List.of(t.visionGroup(), t.workGroup())));
        try {
            Map<String, ConsumerGroupDescription> d = new java.util.HashMap<>();
            List<String> denied = new ArrayList<>();
            for (var e : admin.describeConsumerGroups(groups).describedGroups().entrySet()) {
                try {
                    d.put(e.getKey(), e.getValue().get(5, TimeUnit.SECONDS));
                } catch (java.util.concurrent.ExecutionException failed) {
                    if (failed.getCause() instanceof GroupAuthorizationException) {
                        denied.add(e.getKey());
                    } else { // a group that never existed: no members
                        LOG.debug("group {}: {}", e.getKey(), failed.getCause().toString());
                    }
                }
            }
            for (String m : models) {
                ModelTopics t = ModelTopics.of(m);
                State now = new State(
                        members(d, t.visionGroup()),
                        members(d, t.workGroup()),
                        denied.stream()
                                .filter(g -> g.equals(t.visionGroup()) || g.equals(t.workGroup()))
                                .toList());
                State before = states.put(m, now);
                if (before != null
                        && before.fusion()
                        && !now.fusion()
                        && now.denied().isEmpty()) {
                    fusionGoneSince.put(m, System.nanoTime());
                } else if (now.fusion()) {
                    fusionGoneSince.remove(m);
                }
                if (!now.equals(before)) {
                    if (!now.denied().isEmpty()) {
                        LOG.error(
                                "model {}: {}; grant its Kafka user Describe on these groups (Kubernetes: "
                                        + "KafkaUser/gateway's ACLs), or it never reports ready",
                                m,
                                now.missing());
                    } else {
                        LOG.info("model {}: {}", m, now.ready() ? "can answer" : now.missing());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("cannot read the model services' groups: {}", e.toString());
        }
    }

    private static boolean members(Map<String, ConsumerGroupDescription> d, String group) {
        ConsumerGroupDescription g = d.get(group);
        return g != null && !g.members().isEmpty();
    }

    /**
     * Throws 503 {@code not_ready} naming what {@code model} lacks for a request with an image ({@code withImage}) or
     * without one (a text-only request needs only the fusion LLM).
     */
    void require(String model, boolean withImage) throws GatewayError {
        State s = states.getOrDefault(model, new State(false, false));
        State needed = withImage ? s : new State(true, s.fusion());
        if (!needed.ready()) {
            throw new GatewayError(
                    ErrorCode.NOT_READY, "model " + model + " cannot answer now: " + needed.missing() + " is running");
        }
    }

    /**
     * The served models whose every fusion LLM left the group at least {@code for} ago, none back since: their
     * answers in flight have nobody to generate them.
     */
    public List<String> withoutFusionFor(Duration gone) {
        long now = System.nanoTime();
        return fusionGoneSince.entrySet().stream()
                .filter(e -> now - e.getValue() >= gone.toNanos())
                .map(Map.Entry::getKey)
                .toList();
    }

    /** At least one served model can answer (images included). */
    public boolean anyReady() {
        return states.values().stream().anyMatch(State::ready);
    }

    public Map<String, State> states() {
        return Map.copyOf(states);
    }

    @Override
    public void close() {
        running = false;
        poller.interrupt();
        admin.close(Duration.ofSeconds(2));
    }
}
