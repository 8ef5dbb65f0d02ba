package org.invllava.wire;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/** What an image's header says: the format ({@code png}, {@code jpeg}, ...) and size; no pixel is decoded. */
public record ImageHeader(String format, int width, int height) {
    public long pixels() {
        return (long) width * height;
    }

    /** Reads only the header, so a decompression bomb is refused before any pixel memory is taken. */
    public static ImageHeader probe(byte[] bytes) {
        return withReader(
                bytes,
                reader -> new ImageHeader(
                        reader.getFormatName().toLowerCase(Locale.ROOT), reader.getWidth(0), reader.getHeight(0)));
    }

    /** Work on an image reader. */
    public interface ReaderFunction<T> {
        T apply(ImageReader reader) throws IOException;
    }

    /**
     * Runs {@code fn} on the ImageIO reader of {@code bytes}; bytes no reader accepts and read failures become
     * {@link ImageException.Reason#UNREADABLE}, an {@link ImageException} of {@code fn} passes through.
     */
    public static <T> T withReader(byte[] bytes, ReaderFunction<T> fn) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new ImageException(ImageException.Reason.UNREADABLE, "not a PNG or JPEG image");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return fn.apply(reader);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof ImageException ie) {
                throw ie;
            }
            // ImageIO's own text names its classes and internals: the client gets ours, the cause stays for the logs
            throw new ImageException(
                    ImageException.Reason.UNREADABLE, "cannot decode the image (corrupt or truncated)", e);
        }
    }
}
