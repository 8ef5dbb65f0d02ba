package org.invllava.fusion.svc;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** What an instance remembers per request id, for the most recent {@link #REMEMBERED} ids: thread-safe, bounded. */
final class RecentIds {
    static final int REMEMBERED = 10_000;

    private RecentIds() {}

    /** An empty map that forgets its eldest entry past {@link #REMEMBERED}. */
    static <V> Map<String, V> map() {
        return Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > REMEMBERED;
            }
        });
    }
}
