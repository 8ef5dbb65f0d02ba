package org.invllava.runtime.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Packed products equal the plain {@code x · Wᵀ + b} for every row count a step can have. */
class PackedWeightTest {
    static NDManager m;
    final Random r = new Random(5);

    @BeforeAll
    static void open() {
        m = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void close() {
        m.close();
    }

    @Test
    void aBuildWithTheBindingCanPack() {
        boolean built = PackedWeight.class.getResource("native/linux-x86_64/libinvllava-mkl-packed.so") != null;
        assumeTrue(built, "this build has no packed-GEMM binding (built without a C compiler)");
        assertEquals(java.util.Optional.empty(), PackedWeight.unavailable());
        assertTrue(PackedWeight.appliesTo(DataType.FLOAT32, Device.cpu())
                || "0".equals(System.getenv(PackedWeight.SWITCH)));
        assertFalse(PackedWeight.appliesTo(DataType.FLOAT16, Device.cpu()));
    }

    @Test
    void packedProductsEqualThePlainProduct() {
        assumeTrue(PackedWeight.appliesTo(DataType.FLOAT32, Device.cpu()), "packed weights are off here");
        NDArray w = random(72, 40);
        NDArray b = random(72);
        PackedWeight packed = PackedWeight.pack(w);
        assertEquals(72, packed.outFeatures());
        for (int rows : new int[] {1, 2, 3, 8, 13, 16, 17, 33, 100}) {
            NDArray x = random(rows, 40);
            NDArray want = ai.djl.nn.core.Linear.linear(x, w, b).singletonOrThrow();
            NDArray got = packed.multiply(x).add(b);
            assertEquals(new Shape(rows, 72), got.getShape());
            assertArrayEquals(want.toFloatArray(), got.toFloatArray(), 1e-4f, rows + " rows");
        }
    }

    @Test
    void aLinearPacksWhatIsWorthIt() {
        assumeTrue(PackedWeight.appliesTo(DataType.FLOAT32, Device.cpu()), "packed weights are off here");
        assertTrue(PackedWeight.worthPacking(PackedWeight.Mode.AUTO, 2048, 2048), "1.8x its bytes");
        assertFalse(PackedWeight.worthPacking(PackedWeight.Mode.AUTO, 64, 32), "MKL pads it to ~8 MB");
        assertTrue(PackedWeight.worthPacking(PackedWeight.Mode.ALWAYS, 64, 32));
        assertFalse(PackedWeight.worthPacking(PackedWeight.Mode.OFF, 2048, 2048));
        Linear plain = new Linear(random(72, 40), random(72));
        Linear packed = plain.packed();
        assertEquals(PackedWeight.worthPacking(72, 40), packed.isPacked());
        if (packed.isPacked()) { // the runtime's tests run with INVERSE_LLAVA_PACKED_WEIGHTS=always
            assertNull(packed.weight());
            assertEquals(72, packed.outFeatures());
            NDArray x = random(5, 40);
            assertArrayEquals(plain.forward(x).toFloatArray(), packed.forward(x).toFloatArray(), 1e-4f);
        }
    }

    @Test
    void theSwitchReadsItsThreeModes() {
        assertEquals(PackedWeight.Mode.AUTO, PackedWeight.Mode.parse(null));
        assertEquals(PackedWeight.Mode.AUTO, PackedWeight.Mode.parse("auto"));
        assertEquals(PackedWeight.Mode.AUTO, PackedWeight.Mode.parse("1"));
        assertEquals(PackedWeight.Mode.OFF, PackedWeight.Mode.parse("0"));
        assertEquals(PackedWeight.Mode.ALWAYS, PackedWeight.Mode.parse("ALWAYS"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PackedWeight.Mode.parse("yes"));
        assertTrue(e.getMessage().contains(PackedWeight.SWITCH), e.getMessage());
    }

    @Test
    void inputsOfAnyRankAndLayout() {
        assumeTrue(PackedWeight.appliesTo(DataType.FLOAT32, Device.cpu()), "packed weights are off here");
        NDArray w = random(24, 16);
        PackedWeight packed = PackedWeight.pack(w);
        NDArray x3 = random(2, 5, 16); // [B, T, in]
        assertArrayEquals(
                x3.matMul(w.transpose()).toFloatArray(), packed.multiply(x3).toFloatArray(), 1e-4f);
        assertEquals(new Shape(2, 5, 24), packed.multiply(x3).getShape());
        NDArray transposed = random(16, 6).transpose(); // [6, 16], column-major strides
        assertArrayEquals(
                transposed.matMul(w.transpose()).toFloatArray(),
                packed.multiply(transposed).toFloatArray(),
                1e-4f);
        assertTrue(packed.bytes() >= 24 * 16 * 4);
    }

    @Test
    void refusesWhatItCannotMultiply() {
        assumeTrue(PackedWeight.appliesTo(DataType.FLOAT32, Device.cpu()), "packed weights are off here");
        PackedWeight packed = PackedWeight.pack(random(8, 4));
        assertThrows(IllegalArgumentException.class, () -> packed.multiply(random(3, 5)));
        assertThrows(
                IllegalArgumentException.class,
                () -> packed.multiply(random(3, 4).toType(DataType.FLOAT16, false)));
        assertThrows(
                IllegalArgumentException.class,
                () -> PackedWeight.pack(random(8, 4).toType(DataType.FLOAT16, false)));
        assertNotNull(
                new Linear(random(8, 4).toType(DataType.FLOAT16, false))
                        .packed()
                        .weight(),
                "float16 stays unpacked");
    }

    private NDArray random(long... shape) {
        float[] v = new float[Math.toIntExact(new Shape(shape).size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return m.create(v, new Shape(shape));
    }
}
