package org.invllava.fusion.svc;

import java.util.List;
import org.invllava.schemas.ErrorInfo;
import org.invllava.schemas.FinishReason;
import org.invllava.schemas.TokenChunk;
import org.invllava.schemas.WorkItem;

/** What the pairing emits: work for the scheduler, or the only chunk of a request that cannot be answered. */
sealed interface Paired {
    record Work(WorkItem item) implements Paired {}

    record Failed(TokenChunk chunk) implements Paired {}

    /** Request {@code id}'s first and last chunk: an error ({@code replyTo} may be empty where no prompt was read). */
    static Failed failed(String id, String replyTo, String code, String message) {
        return new Failed(TokenChunk.newBuilder()
                .setRequestId(id)
                .setReplyTo(replyTo)
                .setSequence(0)
                .setText("")
                .setTokenIds(List.of())
                .setFinishReason(FinishReason.ERROR)
                .setUsage(null)
                .setError(new ErrorInfo(code, message))
                .build());
    }
}
