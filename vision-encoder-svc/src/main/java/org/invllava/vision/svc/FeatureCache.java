package org.invllava.vision.svc;

import java.util.LinkedHashMap;
import java.util.Map;
import org.invllava.runtime.model.VisualFeatures;

/** Features of recently seen images by SHA-256, least recently used evicted: identical images are encoded once. */
final class FeatureCache {
    private final Map<String, VisualFeatures> entries;

    FeatureCache(int capacity) {
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, VisualFeatures> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized VisualFeatures get(String sha256) {
        return entries.get(sha256);
    }

    synchronized void put(String sha256, VisualFeatures features) {
        entries.put(sha256, features);
    }
}
