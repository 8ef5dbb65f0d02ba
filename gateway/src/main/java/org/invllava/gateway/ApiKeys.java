package org.invllava.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import org.invllava.schemas.ErrorCodes;

/**
 * The API keys the gateway accepts ({@code Authorization: Bearer KEY}). Only SHA-256 digests are kept and compared
 * in constant time; a key is known in logs and metrics by a short label derived from its digest, never by itself.
 * No keys configured: every call is accepted as {@code anonymous}.
 */
public final class ApiKeys {
    public static final String ANONYMOUS = "anonymous";
    private final List<byte[]> digests;

    private ApiKeys(List<byte[]> digests) {
        this.digests = digests;
    }

    public static ApiKeys none() {
        return new ApiKeys(List.of());
    }

    public static ApiKeys of(Collection<String> keys) {
        List<byte[]> d = new ArrayList<>();
        for (String k : keys) {
            String key = k.trim();
            if (key.isEmpty() || key.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("an API key must be non-empty and without spaces");
            }
            d.add(sha256(key));
        }
        return new ApiKeys(List.copyOf(d));
    }

    /** Keys listed inline (comma-separated) and in a file (one per line, {@code #} comments); either may be absent. */
    public static ApiKeys load(String inline, Path file) {
        List<String> keys = new ArrayList<>();
        if (inline != null) {
            for (String k : inline.split(",")) {
                if (!k.isBlank()) {
                    keys.add(k);
                }
            }
        }
        if (file != null) {
            try {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    String k = line.strip();
                    if (!k.isEmpty() && !k.startsWith("#")) {
                        keys.add(k);
                    }
                }
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read the API key file " + file + ": " + e.getMessage());
            }
            if (keys.isEmpty()) {
                throw new IllegalArgumentException("the API key file " + file + " holds no key");
            }
        }
        return of(keys);
    }

    public boolean enabled() {
        return !digests.isEmpty();
    }

    /**
     * The caller's label, given its {@code Authorization} header (or, where a client cannot set headers, such as a
     * browser's WebSocket, the key itself as {@code queryKey}); throws a 401 error when keys are required and
     * neither holds a known key.
     */
    public String authenticate(String authorization, String queryKey) throws GatewayError {
        if (!enabled()) {
            return ANONYMOUS;
        }
        String key = queryKey;
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            key = authorization.substring(7).trim();
        }
        if (key == null || key.isEmpty()) {
            throw new GatewayError(ErrorCodes.INVALID_API_KEY, "an API key is required: send Authorization: Bearer <key>");
        }
        byte[] d = sha256(key);
        boolean found = false;
        for (byte[] known : digests) {
            found |= MessageDigest.isEqual(known, d); // no early exit: timing does not tell which key matched
        }
        if (!found) {
            throw new GatewayError(ErrorCodes.INVALID_API_KEY, "the API key is not valid");
        }
        return "key-" + HexFormat.of().formatHex(d, 0, 4);
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
