package org.invllava.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.invllava.schemas.ErrorCode;
import org.invllava.wire.ImageException;
import org.invllava.wire.ImageHeader;

/**
 * Images as clients send them: base64 (bare or as a {@code data:} URL) or an http(s) URL the allow-list permits.
 * Every image is checked before it is published: byte size, PNG or JPEG, and the pixel count read from the header
 * (a decompression bomb is refused without being decoded).
 */
public final class ImageInput implements AutoCloseable {
    private static final Set<String> MEDIA_TYPES = Set.of("image/png", "image/jpeg", "image/jpg");
    private static final Set<String> FORMATS = Set.of("png", "jpeg");

    private final GatewayConfig.Limits limits;
    private final GatewayConfig.Access access;
    /** Image URL fetches at once, at most (more wait their turn, inside the same overall timeout). */
    static final int MAX_FETCHES = 8;

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ImageInput.class);

    private final ExecutorService fetchers = Executors.newFixedThreadPool(MAX_FETCHES, r -> {
        Thread t = new Thread(r, "image-fetch");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http;

    public static ImageInput create(GatewayConfig.Limits limits, GatewayConfig.Access access) {
        return new ImageInput(limits, access);
    }

    private ImageInput(GatewayConfig.Limits limits, GatewayConfig.Access access) {
        this.limits = limits;
        this.access = access;
        // the client's own executor delivers the body; the bounded fetchers only read it (sharing them could starve it)
        this.http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(access.fetchTimeout())
                .build();
    }

    /** Decodes {@code data:image/png;base64,...} or bare base64, then {@link #check checks} the bytes. */
    public byte[] fromBase64(String text) throws GatewayError {
        String payload = text;
        if (text.startsWith("data:")) {
            int comma = text.indexOf(',');
            String header = comma < 0 ? "" : text.substring(5, comma).toLowerCase(Locale.ROOT);
            if (comma < 0 || !header.endsWith(";base64")) {
                throw new GatewayError(
                        ErrorCode.INVALID_IMAGE, "a data URL image must be base64: data:image/png;base64,...");
            }
            String mediaType = header.substring(0, header.length() - ";base64".length());
            if (!MEDIA_TYPES.contains(mediaType)) {
                throw new GatewayError(
                        ErrorCode.INVALID_IMAGE, "unsupported image type '" + mediaType + "': send PNG or JPEG");
            }
            payload = text.substring(comma + 1);
            byte[] bytes = decodeBase64(payload);
            String actual = magic(bytes);
            String claimed = mediaType.equals("image/png") ? "png" : "jpeg";
            if (actual != null && !actual.equals(claimed)) { // the claim is checked against the bytes
                throw new GatewayError(
                        ErrorCode.INVALID_IMAGE,
                        "the data URL says " + mediaType + " but the bytes are " + actual.toUpperCase(Locale.ROOT));
            }
            return check(bytes);
        }
        return check(decodeBase64(payload));
    }

    /** The bytes of base64 {@code payload}, refused as too large before it is decoded. */
    private byte[] decodeBase64(String payload) throws GatewayError {
        if ((long) payload.length() * 3 / 4 > limits.maxImageBytes() + 3L) {
            throw tooLarge(payload.length() * 3L / 4);
        }
        try {
            return Base64.getMimeDecoder().decode(payload);
        } catch (IllegalArgumentException e) {
            throw new GatewayError(ErrorCode.INVALID_IMAGE, "the image is not valid base64");
        }
    }

    /** {@code png} or {@code jpeg} from the file's signature (magic bytes), or null for anything else. */
    static String magic(byte[] bytes) {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        if (bytes.length >= png.length && java.util.Arrays.equals(bytes, 0, png.length, png, 0, png.length)) {
            return "png";
        }
        if (bytes.length >= 3 && (bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xd8 && (bytes[2] & 0xff) == 0xff) {
            return "jpeg";
        }
        return null;
    }

    /** Size, format and pixel count; returns {@code bytes}. */
    public byte[] check(byte[] bytes) throws GatewayError {
        if (bytes.length == 0) {
            throw new GatewayError(ErrorCode.INVALID_IMAGE, "the image is empty");
        }
        if (bytes.length > limits.maxImageBytes()) {
            throw tooLarge(bytes.length);
        }
        if (magic(bytes) == null) { // no decoder runs on anything but PNG and JPEG signatures
            throw new GatewayError(ErrorCode.INVALID_IMAGE, "unsupported image format: send PNG or JPEG");
        }
        ImageHeader info;
        try {
            info = ImageHeader.probe(bytes);
        } catch (ImageException e) { // its text may come from the JDK's readers: not for clients
            LOG.debug("unreadable image: {}", e.getMessage());
            throw new GatewayError(ErrorCode.INVALID_IMAGE, "the image cannot be read: not a valid PNG or JPEG file");
        }
        if (!FORMATS.contains(info.format())) {
            throw new GatewayError(
                    ErrorCode.INVALID_IMAGE, "unsupported image format '" + info.format() + "': send PNG or JPEG");
        }
        if (info.pixels() > limits.maxImagePixels()) {
            throw new GatewayError(
                    ErrorCode.IMAGE_TOO_LARGE,
                    "the image is " + info.width() + "x" + info.height() + " = " + info.pixels()
                            + " pixels, over the limit of " + limits.maxImagePixels());
        }
        return bytes;
    }

    /**
     * Whether {@code url} is an http(s) URL under an allow-listed prefix, compared only once it is in its plain form:
     * its path percent-decoded until it no longer changes must hold no dot segment, no encoded slash, dot or backslash
     * at any depth ({@code %2e}, {@code %252e}), no {@code ;} parameters ({@code ..;/}), no NUL or other control
     * character and nothing outside ASCII (full-width dots), and no user info or fragment: no server that normalises
     * paths can be led outside the prefix ({@code /img/../secret}, {@code /img/%2e%2e/secret}).
     */
    boolean allowed(URI url) {
        if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme()))
                || url.getHost() == null
                || url.getRawUserInfo() != null
                || url.getRawFragment() != null
                || !url.normalize().equals(url)) {
            return false;
        }
        String raw = url.getRawPath() == null ? "" : url.getRawPath();
        String plain = decodedUntilStable(raw);
        if (plain == null
                || plain.chars().anyMatch(c -> c < 0x20 || c > 0x7e || c == '\\' || c == ';')
                || count(plain, '/') != count(raw, '/')
                || count(plain, '.') != count(raw, '.')
                || plain.matches(".*(^|/)\\.{1,2}(/|$).*")) {
            return false;
        }
        String s = url.toString();
        return access.imageUrlAllowList().stream().anyMatch(s::startsWith);
    }

    /** {@code path} with %XX sequences decoded, again and again until nothing changes; null when that never ends. */
    static String decodedUntilStable(String path) {
        String now = path;
        for (int round = 0; round < 8; round++) {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < now.length(); i++) {
                char c = now.charAt(i);
                if (c == '%'
                        && i + 2 < now.length()
                        && Character.digit(now.charAt(i + 1), 16) >= 0
                        && Character.digit(now.charAt(i + 2), 16) >= 0) {
                    out.append((char) Integer.parseInt(now.substring(i + 1, i + 3), 16));
                    i += 2;
                } else {
                    out.append(c);
                }
            }
            if (out.toString().equals(now)) {
                return now;
            }
            now = out.toString();
        }
        return null;
    }

    private static long count(String s, char c) {
        return s.chars().filter(x -> x == c).count();
    }

    /**
     * Fetches an allow-listed image (no redirects, at most the image byte limit, on at most {@link #MAX_FETCHES}
     * threads, the whole fetch within the configured timeout however slowly the body comes) and checks it; a URL
     * outside the allow-list is refused without any connection. Errors never say what the server answered (a client
     * must not probe the allowed host through them); the log does.
     */
    public CompletableFuture<byte[]> fetch(URI url) {
        if (!allowed(url)) {
            return CompletableFuture.failedFuture(new GatewayError(
                    ErrorCode.INVALID_IMAGE,
                    access.imageUrlAllowList().isEmpty()
                            ? "image URLs are not fetched by this server: send the image inline as a data URL (data:image/png;base64,...)"
                            : "the image URL is not on this server's allow-list: send the image inline as a data URL"));
        }
        HttpRequest req =
                HttpRequest.newBuilder(url).timeout(access.fetchTimeout()).GET().build();
        java.util.concurrent.atomic.AtomicReference<InputStream> body =
                new java.util.concurrent.atomic.AtomicReference<>();
        // the whole fetch, connection included, on one of the MAX_FETCHES threads: no more run at once
        CompletableFuture<byte[]> fetched = CompletableFuture.supplyAsync(
                () -> {
                    HttpResponse<InputStream> r;
                    try {
                        r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
                    } catch (IOException e) {
                        throw new CompletionException(e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new CompletionException(e);
                    }
                    try (InputStream in = r.body()) {
                        body.set(in);
                        if (r.statusCode() != 200) {
                            LOG.info("image URL {} answered HTTP {}", url, r.statusCode());
                            throw new GatewayError(ErrorCode.INVALID_IMAGE, "the image URL could not be fetched");
                        }
                        return check(in.readNBytes(limits.maxImageBytes() + 1));
                    } catch (GatewayError e) {
                        throw new CompletionException(e);
                    } catch (IOException e) {
                        throw new CompletionException(e);
                    }
                },
                fetchers);
        Runnable abort = () -> { // stop the fetch and unblock its thread, even mid-read of a trickled body
            fetched.cancel(true);
            closeQuietly(body.get());
        };
        CompletableFuture<byte[]> result = fetched.orTimeout(
                        access.fetchTimeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                .exceptionallyCompose(e -> {
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    if (cause instanceof java.util.concurrent.TimeoutException) {
                        abort.run();
                    }
                    if (!(cause instanceof GatewayError)) {
                        LOG.info("image URL {} could not be fetched: {}", url, cause.toString());
                    }
                    return CompletableFuture.failedFuture(
                            cause instanceof GatewayError
                                    ? cause
                                    : new GatewayError(ErrorCode.INVALID_IMAGE, "the image URL could not be fetched"));
                });
        result.whenComplete((bytes, e) -> {
            if (e instanceof java.util.concurrent.CancellationException) { // the caller left
                abort.run();
            }
        });
        return result;
    }

    private static void closeQuietly(InputStream in) {
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // already closed or broken: either way the read ends
            }
        }
    }

    private GatewayError tooLarge(long bytes) {
        return new GatewayError(
                ErrorCode.IMAGE_TOO_LARGE,
                "the image is " + bytes + " bytes, over the limit of " + limits.maxImageBytes());
    }

    @Override
    public void close() {
        fetchers.shutdownNow();
    }
}
