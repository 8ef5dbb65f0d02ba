package org.invllava.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import org.invllava.schemas.ErrorCode;
import org.invllava.schemas.ModelTopics;

/**
 * The model ids this gateway routes to, the first being the default for requests that name none. Each id selects
 * its model's topics ({@link ModelTopics}), so a request reaches only that model's services.
 */
public record ServedModels(List<String> ids) {
    public ServedModels {
        ids = List.copyOf(ids);
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("the gateway must serve at least one model");
        }
        if (new LinkedHashSet<>(ids).size() != ids.size()) {
            throw new IllegalArgumentException("model ids must be distinct: " + ids);
        }
        ids.forEach(ModelTopics::of); // checks each id
    }

    /** A comma-separated list ({@code GATEWAY_MODELS}), blanks ignored. */
    public static ServedModels parse(String list) {
        return new ServedModels(Arrays.stream(list.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList());
    }

    public String defaultModel() {
        return ids.get(0);
    }

    /** The model {@code root.model} names, or the default when absent or null; an unknown one is a 404. */
    public String resolve(JsonNode root) throws GatewayError {
        JsonNode model = root.get("model");
        if (model == null || model.isNull()) {
            return defaultModel();
        }
        if (!model.isTextual() || !ids.contains(model.asText())) {
            throw new GatewayError(
                    ErrorCode.MODEL_NOT_FOUND,
                    "the model '" + model.asText() + "' does not exist; this " + "server serves "
                            + String.join(", ", ids) + " (see GET /v1/models)");
        }
        return model.asText();
    }
}
