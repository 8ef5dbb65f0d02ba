package org.invllava.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.invllava.schemas.ModelTopics;
import org.invllava.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the pipeline's topics at start-up when absent, with explicit partitions and message size. */
public final class TopicSetup {
    private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);

    private TopicSetup() {}

    /** {@link #ensure} with default partitions, through a short-lived admin client on {@code bootstrapServers}. */
    public static void ensureDefaults(String bootstrapServers, short replication) throws InterruptedException {
        ensureDefaults(KafkaSettings.of(bootstrapServers, "topic-setup"), replication);
    }

    /** {@link #ensure} with default partitions, through a short-lived admin client with {@code kafka}'s settings. */
    public static void ensureDefaults(KafkaSettings kafka, short replication) throws InterruptedException {
        ensureDefaults(kafka, replication, List.of(ModelTopics.PRIMARY));
    }

    /** As {@link #ensureDefaults(KafkaSettings, short)}, with the per-model topics of each of {@code models}. */
    public static void ensureDefaults(KafkaSettings kafka, short replication, List<String> models)
            throws InterruptedException {
        try (Admin admin = Admin.create(kafka.admin())) {
            ensure(admin, Map.of(), Topics.MAX_MESSAGE_BYTES, replication, ModelTopics.specs(models));
        }
    }

    /**
     * The partition count that {@code topics} share (topics a join reads must have the same one): refuses to start
     * when they differ or one is missing.
     */
    public static int samePartitionCount(KafkaSettings kafka, String... topics) {
        try (Admin admin = Admin.create(kafka.admin())) {
            Map<String, TopicDescription> found =
                    admin.describeTopics(List.of(topics)).allTopicNames().get();
            Set<Integer> counts = new java.util.TreeSet<>();
            found.values().forEach(d -> counts.add(d.partitions().size()));
            if (counts.size() != 1) {
                throw new IllegalStateException("topics " + String.join(" and ", topics) + " must have the same number"
                        + " of partitions, found "
                        + found.values().stream()
                                .map(d -> d.name() + ": " + d.partitions().size())
                                .toList());
            }
            return counts.iterator().next();
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "cannot describe topics " + List.of(topics) + ": "
                            + e.getCause().getMessage(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing topics " + List.of(topics), e);
        }
    }

    /** {@link #ensure(Admin, Map, int, short, List)} for the primary model's topics. */
    public static void ensure(Admin admin, Map<String, Integer> partitions, int maxMessageBytes, short replication)
            throws InterruptedException {
        ensure(admin, partitions, maxMessageBytes, replication, Topics.ALL);
    }

    /**
     * Ensures every topic of {@code specs} exists; {@code partitions} overrides a topic's default count.
     * Existing topics are left alone, with a warning when they have fewer partitions than asked.
     */
    public static void ensure(
            Admin admin,
            Map<String, Integer> partitions,
            int maxMessageBytes,
            short replication,
            List<Topics.Spec> specs)
            throws InterruptedException {
        Set<String> existing;
        try {
            existing = admin.listTopics().names().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "cannot list Kafka topics: " + e.getCause().getMessage(), e.getCause());
        }
        List<NewTopic> create = new ArrayList<>();
        for (Topics.Spec spec : specs) {
            int count = partitions.getOrDefault(spec.name(), spec.defaultPartitions());
            if (existing.contains(spec.name())) {
                warnIfFewer(admin, spec.name(), count);
                continue;
            }
            create.add(new NewTopic(spec.name(), count, replication)
                    .configs(Map.of(
                            "max.message.bytes",
                            String.valueOf(maxMessageBytes),
                            "retention.ms",
                            String.valueOf(spec.retention().toMillis()))));
        }
        if (create.isEmpty()) {
            return;
        }
        try {
            admin.createTopics(create).all().get();
            LOG.info("created topics {}", create.stream().map(NewTopic::name).toList());
            // the controller has them; a broker serves them once it has applied the metadata: wait for that, so
            // that whoever listed or subscribed next sees them (an OperatorCommandsTest run under load listed none)
            awaitListed(admin, create.stream().map(NewTopic::name).toList());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthorizationException) { // on Kubernetes, Strimzi's topic operator makes them
                List<String> names = create.stream().map(NewTopic::name).toList();
                LOG.info(
                        "not allowed to create topics {} ({}): waiting for them to be created",
                        names,
                        e.getCause().getMessage());
                awaitTopics(admin, names, WAIT_FOR_TOPICS);
            } else if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException(
                        "cannot create Kafka topics: " + e.getCause().getMessage(), e.getCause());
            }
        }
    }

    /** How long created topics may take to be listed by the broker (then it fails). */
    static final Duration VISIBLE_AFTER_CREATE = Duration.ofSeconds(60);

    /** How long a service without the right to create its topics waits for someone else to (then it fails). */
    static final Duration WAIT_FOR_TOPICS = Duration.ofMinutes(10);

    /** Waits until the broker lists every topic of {@code names}, checking every 50 ms, for {@link #VISIBLE_AFTER_CREATE}. */
    private static void awaitListed(Admin admin, List<String> names) throws InterruptedException {
        long until = System.nanoTime() + VISIBLE_AFTER_CREATE.toNanos();
        while (true) {
            try {
                if (admin.listTopics().names().get().containsAll(names)) {
                    return;
                }
            } catch (ExecutionException e) {
                LOG.warn("cannot list Kafka topics: {}", e.getCause().getMessage());
            }
            if (System.nanoTime() > until) {
                throw new IllegalStateException("topics " + names + " were created but are still not listed after "
                        + VISIBLE_AFTER_CREATE.toSeconds() + " s");
            }
            Thread.sleep(50);
        }
    }

    /** Waits until every topic of {@code names} exists, checking every 2 s; throws after {@code timeout}. */
    static void awaitTopics(Admin admin, List<String> names, Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                Set<String> existing = admin.listTopics().names().get();
                List<String> missing =
                        names.stream().filter(n -> !existing.contains(n)).toList();
                if (missing.isEmpty()) {
                    LOG.info("topics {} exist now", names);
                    return;
                }
                if (System.nanoTime() > until) {
                    throw new IllegalStateException("topics " + missing + " still missing after " + timeout.toSeconds()
                            + " s, and this service may not create them (on Kubernetes: are the KafkaTopics applied?)");
                }
            } catch (ExecutionException e) {
                LOG.warn("cannot list Kafka topics: {}", e.getCause().getMessage());
            }
            Thread.sleep(2000);
        }
    }

    private static void warnIfFewer(Admin admin, String topic, int wanted) throws InterruptedException {
        try {
            TopicDescription d =
                    admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            if (d.partitions().size() < wanted) {
                LOG.warn(
                        "topic {} has {} partitions, fewer than the {} configured",
                        topic,
                        d.partitions().size(),
                        wanted);
            }
        } catch (ExecutionException e) {
            LOG.warn("cannot describe topic {}: {}", topic, e.getCause().getMessage());
        }
    }
}
