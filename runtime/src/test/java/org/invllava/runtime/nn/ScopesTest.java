package org.invllava.runtime.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Intermediates are freed per block on any thread: PyTorch's gradient mode is per thread and on by default on threads
 * other than the engine's first, which made {@link Scopes#scoped} keep everything on a service's worker thread.
 */
class ScopesTest {
    @Test
    void onAFreshThreadInferenceTurnsRecordingOffFreesIntermediatesAndRestoresTheMode() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.ones(new ai.djl.ndarray.types.Shape(4));
            CompletableFuture<List<Object>> seen = CompletableFuture.supplyAsync(
                    () -> {
                        List<Object> out = new ArrayList<>();
                        out.add(Scopes.recording()); // a fresh thread: on
                        NDArray[] inside = new NDArray[1];
                        NDArray y = Scopes.inference(() -> {
                            out.add(Scopes.recording());
                            return Scopes.scoped(x, in -> {
                                inside[0] = in.mul(2); // an intermediate
                                return inside[0].add(1);
                            });
                        });
                        out.add(inside[0].isReleased());
                        out.add(y.getFloat(0));
                        out.add(Scopes.recording());
                        return out;
                    },
                    r -> new Thread(r, "worker").start());
            List<Object> r = seen.get();
            assertTrue((Boolean) r.get(0), "PyTorch's default on a new thread");
            assertFalse((Boolean) r.get(1), "off inside inference");
            assertTrue((Boolean) r.get(2), "the block's intermediate is freed");
            assertEquals(3f, r.get(3));
            assertTrue((Boolean) r.get(4), "the thread's mode restored");
            assertFalse(JniUtils.isGradMode(), "this thread untouched");
        }
    }
}
