package org.invllava.kafka;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.RecordMetadata;

/** Waiting for produced records: offsets may be committed only after their outputs are acknowledged. */
public final class Sends {
    private Sends() {}

    /** Blocks until every send is acknowledged; a failure names {@code what} could not be published. */
    public static void awaitAll(List<Future<RecordMetadata>> sends, String what) {
        for (Future<RecordMetadata> f : sends) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while publishing " + what, e);
            } catch (ExecutionException e) {
                throw new IllegalStateException(
                        "cannot publish " + what + ": " + e.getCause().getMessage(), e);
            }
        }
    }
}
