package org.invllava.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.invllava.evaluation.world.Colour;
import org.invllava.evaluation.world.Item;
import org.invllava.evaluation.world.Scene;
import org.invllava.evaluation.world.ShapeKind;
import org.junit.jupiter.api.Test;

class PatchLabelsTest {
    private static final Scene SCENE = new Scene(
            112,
            List.of(
                    new Item(ShapeKind.TRIANGLE, Colour.BLUE, 1, 84, 28, 11), // top right
                    new Item(ShapeKind.CIRCLE, Colour.RED, 2, 28, 84, 18))); // bottom left

    @Test
    void eachPatchIsLabelledWithItsQuadrantsShapeAndColourTheCountAndTheQuadrant() {
        int[][] labels = PatchLabels.of(SCENE, 8);
        // shape (0 none, 1 + ordinal), colour (0 none, 1 + ordinal), count - 1, quadrant
        assertArrayEquals(new int[] {0, 0, 1, 0}, labels[0], "top left: no item");
        assertArrayEquals(new int[] {3, 3, 1, 1}, labels[7], "top right corner patch: the blue triangle's quadrant");
        assertArrayEquals(new int[] {3, 3, 1, 1}, labels[3 * 8 + 4], "the last row and first column of that quadrant");
        assertArrayEquals(new int[] {1, 1, 1, 2}, labels[4 * 8], "bottom left: the red circle");
        assertArrayEquals(new int[] {0, 0, 1, 3}, labels[63], "bottom right: no item");
    }

    @Test
    void anOddGridHasNoWholeQuadrants() {
        assertThrows(IllegalArgumentException.class, () -> PatchLabels.of(SCENE, 7));
    }
}
