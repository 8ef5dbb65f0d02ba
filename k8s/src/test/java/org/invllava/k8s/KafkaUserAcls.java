package org.invllava.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The ACLs Strimzi's user operator writes for a {@code KafkaUser} with {@code authorization.type: simple}, as Kafka
 * {@link AclBinding}s for the principal {@code User:<metadata.name>} (Strimzi's own principal is the certificate's
 * {@code CN=<name>}; a test broker authenticates users by name). Resource types {@code topic}, {@code group},
 * {@code cluster}, {@code transactionalId}; {@code patternType} literal (the default) or prefix; {@code operations}
 * or the older single {@code operation}; {@code host} {@code *} by default; {@code type} allow (default) or deny.
 */
final class KafkaUserAcls {
    private KafkaUserAcls() {}

    /** The user's name: its principal is {@code User:<name>}. */
    static String user(JsonNode kafkaUser) {
        return kafkaUser.path("metadata").path("name").asText();
    }

    static List<AclBinding> of(JsonNode kafkaUser) {
        String principal = "User:" + user(kafkaUser);
        List<AclBinding> out = new ArrayList<>();
        for (JsonNode acl : kafkaUser.path("spec").path("authorization").path("acls")) {
            JsonNode r = acl.path("resource");
            ResourceType type = switch (r.path("type").asText()) {
                case "topic" -> ResourceType.TOPIC;
                case "group" -> ResourceType.GROUP;
                case "cluster" -> ResourceType.CLUSTER;
                case "transactionalId" -> ResourceType.TRANSACTIONAL_ID;
                default -> throw new IllegalArgumentException(user(kafkaUser) + ": resource type " + r.path("type"));
            };
            String name = type == ResourceType.CLUSTER
                    ? "kafka-cluster"
                    : r.path("name").asText();
            PatternType pattern = r.path("patternType").asText("literal").equals("prefix")
                    ? PatternType.PREFIXED
                    : PatternType.LITERAL;
            AclPermissionType permission =
                    acl.path("type").asText("allow").equals("deny") ? AclPermissionType.DENY : AclPermissionType.ALLOW;
            List<String> operations = new ArrayList<>();
            acl.path("operations").forEach(o -> operations.add(o.asText()));
            if (acl.has("operation")) {
                operations.add(acl.path("operation").asText());
            }
            for (String op : operations) {
                out.add(new AclBinding(
                        new ResourcePattern(type, name, pattern),
                        new AccessControlEntry(principal, acl.path("host").asText("*"), operation(op), permission)));
            }
        }
        return out;
    }

    /** Strimzi's operation names ({@code Read}, {@code IdempotentWrite}, {@code All}) as Kafka's. */
    private static AclOperation operation(String strimzi) {
        AclOperation op = AclOperation.fromString(
                strimzi.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT));
        if (op == AclOperation.UNKNOWN) {
            throw new IllegalArgumentException("not a Kafka ACL operation: " + strimzi);
        }
        return op;
    }
}
