package org.invllava.runtime.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stored (uncompressed) entries of a zip file with the absolute offset of their data, read from the
 * central directory (ZIP64 included), so that entries can be memory-mapped. torch.save writes such zips.
 */
final class ZipIndex {
    record Entry(String name, long dataOffset, long size) {}

    private static final int EOCD = 0x06054b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_EOCD = 0x06064b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int LOCAL = 0x04034b50;

    private ZipIndex() {}

    static Map<String, Entry> read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            int tailLen = (int) Math.min(size, 65_557);
            ByteBuffer tail = readAt(ch, size - tailLen, tailLen);
            int eocd = -1;
            for (int i = tailLen - 22; i >= 0; i--) {
                if (tail.getInt(i) == EOCD) {
                    eocd = i;
                    break;
                }
            }
            if (eocd < 0) {
                throw new WeightException(file + ": not a zip archive (truncated torch.save file?)");
            }
            long count = Short.toUnsignedLong(tail.getShort(eocd + 10));
            long cdSize = Integer.toUnsignedLong(tail.getInt(eocd + 12));
            long cdOffset = Integer.toUnsignedLong(tail.getInt(eocd + 16));
            if ((count == 0xFFFF || cdOffset == 0xFFFFFFFFL) && eocd >= 20 && tail.getInt(eocd - 20) == ZIP64_LOCATOR) {
                long z64 = tail.getLong(eocd - 20 + 8);
                ByteBuffer rec = readAt(ch, z64, 56);
                if (rec.getInt(0) != ZIP64_EOCD) {
                    throw new WeightException(file + ": corrupt ZIP64 end record");
                }
                count = rec.getLong(32);
                cdSize = rec.getLong(40);
                cdOffset = rec.getLong(48);
            }
            if (cdOffset + cdSize > size) {
                throw new WeightException(
                        file + ": zip central directory lies beyond the end of the file (truncated?)");
            }
            return readCentral(ch, file, readAt(ch, cdOffset, (int) cdSize), count, size);
        } catch (IOException e) {
            throw new WeightException(file + ": cannot read zip archive: " + e.getMessage(), e);
        }
    }

    private static Map<String, Entry> readCentral(FileChannel ch, Path file, ByteBuffer cd, long count, long fileSize)
            throws IOException {
        Map<String, Entry> out = new LinkedHashMap<>();
        int p = 0;
        for (long i = 0; i < count; i++) {
            if (cd.getInt(p) != CENTRAL) {
                throw new WeightException(file + ": corrupt zip central directory");
            }
            int method = Short.toUnsignedInt(cd.getShort(p + 10));
            long compressed = Integer.toUnsignedLong(cd.getInt(p + 20));
            long uncompressed = Integer.toUnsignedLong(cd.getInt(p + 24));
            int nameLen = Short.toUnsignedInt(cd.getShort(p + 28));
            int extraLen = Short.toUnsignedInt(cd.getShort(p + 30));
            int commentLen = Short.toUnsignedInt(cd.getShort(p + 32));
            long localOffset = Integer.toUnsignedLong(cd.getInt(p + 42));
            byte[] nameBytes = new byte[nameLen];
            cd.get(p + 46, nameBytes);
            String name = new String(nameBytes, StandardCharsets.UTF_8);
            // ZIP64 extra field: the 64-bit values present are those whose 32-bit field is saturated, in order.
            int e = p + 46 + nameLen;
            int extraEnd = e + extraLen;
            while (e + 4 <= extraEnd) {
                int id = Short.toUnsignedInt(cd.getShort(e));
                int len = Short.toUnsignedInt(cd.getShort(e + 2));
                if (id == 1) {
                    int q = e + 4;
                    if (uncompressed == 0xFFFFFFFFL) {
                        uncompressed = cd.getLong(q);
                        q += 8;
                    }
                    if (compressed == 0xFFFFFFFFL) {
                        compressed = cd.getLong(q);
                        q += 8;
                    }
                    if (localOffset == 0xFFFFFFFFL) {
                        localOffset = cd.getLong(q);
                    }
                }
                e += 4 + len;
            }
            p = extraEnd + commentLen;
            if (method != 0) {
                throw new WeightException(
                        file + ": zip entry " + name + " is compressed; torch.save writes stored entries");
            }
            ByteBuffer local = readAt(ch, localOffset, 30);
            if (local.getInt(0) != LOCAL) {
                throw new WeightException(file + ": corrupt local header for zip entry " + name);
            }
            long data = localOffset
                    + 30
                    + Short.toUnsignedInt(local.getShort(26))
                    + Short.toUnsignedInt(local.getShort(28));
            if (data + uncompressed > fileSize) {
                throw new WeightException(file + ": zip entry " + name + " is truncated");
            }
            out.put(name, new Entry(name, data, uncompressed));
        }
        return out;
    }

    static ByteBuffer readAt(FileChannel ch, long pos, int len) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining()) {
            if (ch.read(buf, pos + buf.position()) < 0) {
                throw new IOException("unexpected end of file at " + (pos + buf.position()));
            }
        }
        return buf.flip();
    }
}
