package org.invllava.kafka.local;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The broker settings a one-node cluster needs, for both in-JVM brokers: replication factor 1 for the internal topics
 * (consumers hang otherwise), room for the large feature records, consumer session timeouts down to 1 s (fast
 * failover: consumers choose 3 s), no delay before a new group's first rebalance, no topic created by accident.
 */
final class SingleNode {
    private SingleNode() {}

    static Map<String, String> settings(int maxMessageBytes) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("offsets.topic.replication.factor", "1");
        s.put("offsets.topic.num.partitions", "4");
        s.put("transaction.state.log.replication.factor", "1");
        s.put("transaction.state.log.min.isr", "1");
        s.put("share.coordinator.state.topic.replication.factor", "1");
        s.put("share.coordinator.state.topic.min.isr", "1");
        s.put("group.initial.rebalance.delay.ms", "0");
        s.put("group.min.session.timeout.ms", "1000");
        s.put("message.max.bytes", String.valueOf(maxMessageBytes));
        s.put("replica.fetch.max.bytes", String.valueOf(maxMessageBytes));
        s.put("auto.create.topics.enable", "false");
        return s;
    }
}
