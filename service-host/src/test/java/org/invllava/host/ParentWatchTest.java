package org.invllava.host;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The service exits once its parent's end of the pipe is gone, not before. */
class ParentWatchTest {
    @Test
    void exitsWhenTheInputEndsAndNotBefore() throws Exception {
        PipedOutputStream parent = new PipedOutputStream();
        PipedInputStream child = new PipedInputStream(parent);
        CountDownLatch exited = new CountDownLatch(1);
        ParentWatch.start(child, exited::countDown);
        assertFalse(exited.await(300, TimeUnit.MILLISECONDS), "the parent is still there");
        parent.close();
        assertTrue(exited.await(5, TimeUnit.SECONDS), "the parent is gone");
    }
}
