package org.invllava.vision.svc;

import java.util.LinkedHashMap;
import java.util.Map;
import org.invllava.wire.PatchFeatures;

/** Features of recently seen images by SHA-256, least recently used evicted: identical images are encoded once. */
final class FeatureCache {
    private final Map<String, PatchFeatures> entries;

    FeatureCache(int capacity) {
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, PatchFeatures> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized PatchFeatures get(String sha256) {
        return entries.get(sha256);
    }

    synchronized void put(String sha256, PatchFeatures features) {
        entries.put(sha256, features);
    }
}
