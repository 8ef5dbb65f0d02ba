package org.invllava.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.invllava.gateway.GatewayConfig;
import org.invllava.gateway.GatewayVariables;
import org.invllava.gateway.TestConfigs;
import org.invllava.gateway.openai.OpenAiTestClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What one key's WebSockets can make the gateway hold (issue "Security round 2"), over raw sockets that send the
 * frames an attacker would: a fragmented message is refused at the frame that passes the request size limit (it was
 * aggregated to 16 MiB per socket), a key's sockets are counted from the handshake (250 of them once held 15 MiB each),
 * invalid UTF-8 fails the connection, and pings whose pongs are never read close the socket (they queued without bound).
 */
class WebSocketLimitsIT {
    static final String KEY = "ws-limits-key";
    static final int MAX_REQUEST_BYTES = 64 << 10;
    static final int PER_KEY = 3;

    @TempDir
    static Path dir;

    static GatewayUnderTest gateway;

    @BeforeAll
    static void start() throws Exception {
        GatewayConfig.Limits d = TestConfigs.gateway().limits();
        GatewayConfig.Limits limits = new GatewayConfig.Limits(
                MAX_REQUEST_BYTES,
                MAX_REQUEST_BYTES / 2,
                d.maxImagePixels(),
                d.maxPromptChars(),
                d.maxTokens(),
                d.defaultMaxTokens(),
                d.deadline(),
                d.maxInFlight());
        Map<String, String> variables = new HashMap<>(GatewayVariables.of(limits));
        variables.putAll(GatewayVariables.access(List.of(KEY), PER_KEY, List.of(), Duration.ofSeconds(2)));
        variables.put("GATEWAY_WS_FIRST_MESSAGE_TIMEOUT_MS", "30000");
        gateway = GatewayUnderTest.start(dir, "gw-ws", variables);
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    /** A client socket after a successful handshake, writing masked frames. */
    private static final class RawSocket implements AutoCloseable {
        final Socket socket;
        final OutputStream out;
        final InputStream in;

        RawSocket(int receiveBuffer) throws IOException {
            socket = new Socket();
            if (receiveBuffer > 0) {
                socket.setReceiveBufferSize(receiveBuffer);
            }
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", gateway.port()));
            socket.setSoTimeout(10_000);
            out = socket.getOutputStream();
            in = socket.getInputStream();
            out.write(("GET /v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                            + "Authorization: Bearer " + KEY + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        }

        /** The handshake's status line; the headers are skipped. */
        String status() throws IOException {
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    break;
                }
                head.append((char) c);
            }
            return head.toString().lines().findFirst().orElse("");
        }

        /** One masked frame: {@code opcode} (1 text, 0 continuation, 9 ping), FIN or not. */
        void frame(int opcode, boolean fin, byte[] payload) throws IOException {
            java.io.ByteArrayOutputStream f = new java.io.ByteArrayOutputStream();
            f.write((fin ? 0x80 : 0) | opcode);
            if (payload.length < 126) {
                f.write(0x80 | payload.length);
            } else if (payload.length < 65536) { // the shortest length encoding, as RFC 6455 requires
                f.write(0x80 | 126);
                f.write(payload.length >> 8);
                f.write(payload.length & 0xff);
            } else {
                f.write(0x80 | 127);
                f.write(java.nio.ByteBuffer.allocate(8).putLong(payload.length).array());
            }
            byte[] mask = {1, 2, 3, 4};
            f.write(mask);
            for (int i = 0; i < payload.length; i++) {
                f.write(payload[i] ^ mask[i % 4]);
            }
            out.write(f.toByteArray());
            out.flush();
        }

        /** The status of the close frame the server sends next (skipping any other frame), or -1 without one. */
        int closeStatus() throws IOException {
            while (true) {
                int b0 = in.read();
                if (b0 < 0) {
                    return -1;
                }
                long length = in.read() & 0x7f;
                if (length == 126) {
                    length = (in.read() << 8) | in.read();
                } else if (length == 127) {
                    length = java.nio.ByteBuffer.wrap(in.readNBytes(8)).getLong();
                }
                byte[] payload = in.readNBytes((int) length);
                if ((b0 & 0x0f) == 8) {
                    return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static void stillAnswers() throws Exception {
        assertEquals(
                200, new OpenAiTestClient(gateway.port(), KEY).get("/v1/models").status());
    }

    @Test
    void aFragmentedMessagePastTheLimitFailsTheConnectionAtThatFrame() throws Exception {
        try (RawSocket ws = new RawSocket(0)) {
            assertTrue(ws.status().contains(" 101 "));
            byte[] fragment = new byte[16 << 10];
            java.util.Arrays.fill(fragment, (byte) 'a');
            ws.frame(1, false, fragment);
            for (int i = 0; i < 3; i++) { // 64 KiB in all: at the limit, not past it
                ws.frame(0, false, fragment);
            }
            ws.frame(0, false, new byte[] {'a'}); // one byte past it
            assertEquals(1009, ws.closeStatus(), "message too big, at the frame that passed the limit");
        }
        stillAnswers();
    }

    @Test
    void invalidUtf8FailsTheConnection() throws Exception {
        try (RawSocket ws = new RawSocket(0)) {
            assertTrue(ws.status().contains(" 101 "));
            ws.frame(1, true, new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'});
            assertEquals(1007, ws.closeStatus(), "invalid frame payload data");
        }
    }

    /** The key's places are taken by sockets that have sent nothing yet: one more handshake is refused with 429. */
    @Test
    void aKeysSocketsCountFromTheHandshake() throws Exception {
        List<RawSocket> open = new ArrayList<>();
        try {
            for (int i = 0; i < PER_KEY; i++) {
                RawSocket ws = new RawSocket(0);
                open.add(ws);
                assertTrue(ws.status().contains(" 101 "), "socket " + i);
            }
            try (RawSocket extra = new RawSocket(0)) {
                assertTrue(extra.status().contains(" 429 "), "a socket past the key's limit");
            }
        } finally {
            for (RawSocket ws : open) {
                ws.close();
            }
        }
        long until = System.currentTimeMillis() + 10_000; // closed sockets give their places back
        String status = "";
        while (!status.contains(" 101 ") && System.currentTimeMillis() < until) {
            Thread.sleep(100);
            try (RawSocket again = new RawSocket(0)) {
                status = again.status();
            }
        }
        assertTrue(status.contains(" 101 "), status);
    }

    /**
     * Pings sent by a client that reads nothing (2,000,000 were all answered, their pongs queued without bound): the
     * socket is closed with 1008, found among the pongs once the client reads, or it is reset.
     */
    @Test
    void aPingFloodClosesTheSocket() throws Exception {
        try (RawSocket ws = new RawSocket(4096)) {
            assertTrue(ws.status().contains(" 101 "));
            byte[] payload = new byte[125];
            int sent = 0;
            try {
                for (; sent < 20_000; sent++) {
                    ws.frame(9, true, payload);
                }
            } catch (IOException reset) {
                return; // closed while it was still sending
            }
            int status;
            try {
                status = ws.closeStatus();
            } catch (IOException reset) {
                return;
            }
            assertEquals(1008, status, sent + " pings and no policy close");
        }
        stillAnswers();
    }
}
