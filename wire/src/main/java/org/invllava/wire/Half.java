package org.invllava.wire;

/** IEEE binary16 conversions with round-to-nearest-even (Java 17 lacks Float.floatToFloat16). */
public final class Half {
    private Half() {}

    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        short sign = (short) ((bits & 0x8000_0000) >> 16);
        if (Float.isNaN(f)) {
            return (short) (sign | 0x7e00);
        }
        float abs = Math.abs(f);
        if (abs >= 0x1.ffcp15f + 0x0.002p15f) {
            return (short) (sign | 0x7c00);
        }
        if (abs <= 0x1.0p-24f * 0.5f) {
            return sign;
        }
        int exp = Math.getExponent(f);
        int expDelta = 0;
        int msb = 0;
        if (exp < -14) {
            expDelta = -14 - exp;
            exp = -15;
            msb = 0x0080_0000;
        }
        int significand = bits & 0x007f_ffff | msb;
        short out = (short) (significand >> (13 + expDelta));
        int lsb = significand & (1 << 13 + expDelta);
        int round = significand & (1 << 12 + expDelta);
        int sticky = significand & ((1 << 12 + expDelta) - 1);
        if (round != 0 && (lsb | sticky) != 0) {
            out++;
        }
        return (short) (sign | (((exp + 15) << 10) + out));
    }

    public static float toFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7f80_0000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1.0p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }
}
