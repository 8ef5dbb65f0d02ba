package org.invllava.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.IndexedRecord;

/** A {@code vlm.*} record as JSON a person can read: fields by name, byte fields (images, tensors) as their size. */
final class RecordJson {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private RecordJson() {}

    static JsonNode of(Object value) {
        if (value == null) {
            return NODES.nullNode();
        }
        if (value instanceof IndexedRecord r) {
            ObjectNode out = NODES.objectNode();
            for (Schema.Field f : r.getSchema().getFields()) {
                out.set(f.name(), of(r.get(f.pos())));
            }
            return out;
        }
        if (value instanceof ByteBuffer b) {
            return NODES.objectNode().put("bytes", b.remaining());
        }
        if (value instanceof Collection<?> c) {
            ArrayNode out = NODES.arrayNode();
            c.forEach(v -> out.add(of(v)));
            return out;
        }
        if (value instanceof Map<?, ?> m) {
            ObjectNode out = NODES.objectNode();
            m.forEach((k, v) -> out.set(String.valueOf(k), of(v)));
            return out;
        }
        if (value instanceof Number || value instanceof Boolean) {
            return JSON.valueToTree(value);
        }
        if (value instanceof GenericContainer) { // enums, fixed
            return NODES.textNode(value.toString());
        }
        return NODES.textNode(value.toString());
    }
}
