package org.invllava.gateway.ws;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * A socket's text messages assembled from its frames as they arrive, so that nothing it sends can grow the heap past
 * the message cap: a message whose fragments pass {@code maxMessageBytes} fails the connection with 1009 (message too
 * big) at the frame that passes it, invalid UTF-8 with 1007, a binary message with 1003, and a ping flood with 1008:
 * {@link #MAX_UNREAD_PINGS} pings while the client does not read the pongs already queued (its write queue is full),
 * or more than {@link #MAX_PINGS} in {@link #PING_WINDOW} (a client keeping a connection alive pings every few
 * seconds). Vert.x answers each ping itself; no message is aggregated by Vert.x (no message handler is set).
 */
final class FrameGuard implements Handler<WebSocketFrame> {
    /** Pings answered while the socket's write queue is full, at most, before it is closed. */
    static final int MAX_UNREAD_PINGS = 64;
    /** Pings in one {@link #PING_WINDOW}, at most. */
    static final int MAX_PINGS = 1000;

    static final java.time.Duration PING_WINDOW = java.time.Duration.ofSeconds(10);

    private final ServerWebSocket socket;
    private final int maxMessageBytes;
    private final Consumer<String> onText;
    private Buffer partial; // the text message being assembled, or null
    private int unreadPings;
    private int windowPings;
    private long windowStart = System.nanoTime();
    private boolean failed;

    FrameGuard(ServerWebSocket socket, int maxMessageBytes, Consumer<String> onText) {
        this.socket = socket;
        this.maxMessageBytes = maxMessageBytes;
        this.onText = onText;
    }

    @Override
    public void handle(WebSocketFrame frame) {
        if (failed) {
            return;
        }
        if (frame.isPing()) {
            long now = System.nanoTime();
            if (now - windowStart > PING_WINDOW.toNanos()) {
                windowStart = now;
                windowPings = 0;
            }
            unreadPings = socket.writeQueueFull() ? unreadPings + 1 : 0;
            if (unreadPings > MAX_UNREAD_PINGS || ++windowPings > MAX_PINGS) {
                fail(1008, "pings faster than their pongs are read");
            }
        } else if (frame.isBinary() || frame.isContinuation() && partial == null && !frame.isText()) {
            fail(1003, "text messages only");
        } else if (frame.isText() || frame.isContinuation()) {
            text(frame);
        }
    }

    private void text(WebSocketFrame frame) {
        if (frame.isText()) {
            partial = Buffer.buffer();
        }
        Buffer data = frame.binaryData();
        if ((long) partial.length() + data.length() > maxMessageBytes) {
            partial = null;
            fail(1009, "message over " + maxMessageBytes + " bytes");
            return;
        }
        partial.appendBuffer(data);
        if (frame.isFinal()) {
            Buffer whole = partial;
            partial = null;
            String text = utf8(whole);
            if (text == null) {
                fail(1007, "not UTF-8");
            } else {
                onText.accept(text);
            }
        }
    }

    /** {@code bytes} as text, or null when they are not valid UTF-8 (RFC 6455 §8.1). */
    static String utf8(Buffer bytes) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.getBytes()))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private void fail(int status, String reason) {
        failed = true;
        if (!socket.isClosed()) {
            socket.close((short) status, reason);
        }
    }
}
