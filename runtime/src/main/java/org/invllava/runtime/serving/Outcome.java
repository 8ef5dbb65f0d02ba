package org.invllava.runtime.serving;

import org.invllava.runtime.generate.GenerationResult;

/** How a request submitted to the engine ended. */
public sealed interface Outcome {
    /** It generated to EOS, a stop string or its token limit. */
    record Finished(GenerationResult result) implements Outcome {}

    /** Its {@link GenerationCallbacks#stopReason} said stop, after {@code tokens} tokens. */
    record Stopped(Object reason, int tokens) implements Outcome {}

    /** The forward pass or a callback failed; the engine goes on with the other sequences. */
    record Failed(RuntimeException error) implements Outcome {}
}
