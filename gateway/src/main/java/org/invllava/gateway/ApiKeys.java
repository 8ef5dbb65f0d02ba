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
import org.invllava.schemas.ErrorCode;

/**
 * The API keys the gateway accepts ({@code Authorization: Bearer KEY}). Only SHA-256 digests are kept and compared
 * in constant time; a key is known in logs and metrics by a short label, an HMAC of the key under a secret (so a label
 * cannot be matched against guessed keys offline), never by itself.
 * No keys configured: every call is accepted as {@code anonymous}.
 */
public final class ApiKeys {
    public static final String ANONYMOUS = "anonymous";

    /**
     * Who a call comes from: its key's {@code label} (logs, metrics, the per-key limit) and {@code owner}, what its
     * requests carry to say who may resume or cancel them: {@code sha256:} and 32 hex digits of SHA-256 over a fixed
     * prefix and the key, the same on every replica (null without keys: anyone may). Keys must be long random
     * strings: with Kafka read access, an owner could be matched against guessed keys.
     */
    public record Caller(String label, String owner) {}

    /** Every call when no keys are configured. */
    public static final Caller ANYONE = new Caller(ANONYMOUS, null);

    private final List<byte[]> digests;
    private final byte[] labelSecret;

    private ApiKeys(List<byte[]> digests, byte[] labelSecret) {
        this.digests = digests;
        this.labelSecret = labelSecret;
    }

    public static ApiKeys none() {
        return new ApiKeys(List.of(), randomSecret());
    }

    /** Keys whose labels are stable only within this process (a random label secret). */
    public static ApiKeys of(Collection<String> keys) {
        return of(keys, null);
    }

    /**
     * {@code labelSecret}: what the labels are an HMAC under; give every replica the same one for labels that agree
     * across replicas and restarts (null: a random one).
     */
    public static ApiKeys of(Collection<String> keys, String labelSecret) {
        List<byte[]> d = new ArrayList<>();
        for (String k : keys) {
            String key = k.trim();
            if (key.isEmpty() || key.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("an API key must be non-empty and without spaces");
            }
            d.add(sha256(key));
        }
        return new ApiKeys(
                List.copyOf(d),
                labelSecret == null || labelSecret.isBlank()
                        ? randomSecret()
                        : labelSecret.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] randomSecret() {
        byte[] secret = new byte[32];
        new java.security.SecureRandom().nextBytes(secret);
        return secret;
    }

    /**
     * Keys listed inline (comma-separated) and in a file (one per line, {@code #} comments); either may be absent.
     * {@code labelSecret} as in {@link #of(Collection, String)}.
     */
    public static ApiKeys load(String inline, Path file, String labelSecret) {
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
        return of(keys, labelSecret);
    }

    public boolean enabled() {
        return !digests.isEmpty();
    }

    /**
     * The caller, given its {@code Authorization} header (or, where a client cannot set headers, such as a
     * browser's WebSocket, the key itself as {@code queryKey}); throws a 401 error when keys are required and
     * neither holds a known key.
     */
    public Caller authenticate(String authorization, String queryKey) throws GatewayError {
        if (!enabled()) {
            return ANYONE;
        }
        String key = queryKey;
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            key = authorization.substring(7).trim();
        }
        if (key == null || key.isEmpty()) {
            throw new GatewayError(
                    ErrorCode.INVALID_API_KEY, "an API key is required: send Authorization: Bearer <key>");
        }
        byte[] d = sha256(key);
        boolean found = false;
        for (byte[] known : digests) {
            found |= MessageDigest.isEqual(known, d); // no early exit: timing does not tell which key matched
        }
        if (!found) {
            throw new GatewayError(ErrorCode.INVALID_API_KEY, "the API key is not valid");
        }
        return new Caller(label(key), owner(key));
    }

    /** {@link Caller#owner} of {@code key}. */
    static String owner(String key) {
        return "sha256:" + HexFormat.of().formatHex(sha256("inverse-llava request owner\n" + key), 0, 16);
    }

    /** {@code key-} and 8 hex digits of HMAC-SHA256(label secret, key). */
    String label(String key) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(labelSecret, "HmacSHA256"));
            return "key-" + HexFormat.of().formatHex(mac.doFinal(key.getBytes(StandardCharsets.UTF_8)), 0, 4);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
