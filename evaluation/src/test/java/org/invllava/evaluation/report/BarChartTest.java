package org.invllava.evaluation.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class BarChartTest {
    @Test
    void aBenchmarkWithCategoriesShowsItsOverallBarFirstAndOneWithoutPercentagesNone() {
        EvalReport a = new EvalReport(
                "model a",
                "in-process",
                List.of(
                        new EvalReport.Entry(
                                "jsonl",
                                3,
                                0,
                                1,
                                Map.of("accuracy", 50.0),
                                new TreeMap<>(
                                        Map.of("color", Map.of("accuracy", 40.0), "count", Map.of("accuracy", 60.0)))),
                        new EvalReport.Entry(
                                "mme",
                                4,
                                0,
                                1,
                                Map.of("perception", 150.0),
                                new TreeMap<>(Map.of(
                                        "count",
                                        Map.of("acc", 25.0, "score", 30.0),
                                        "existence",
                                        Map.of("acc", 75.0, "score", 120.0))))));
        EvalReport b = new EvalReport(
                "model b",
                "in-process",
                List.of(new EvalReport.Entry(
                        "jsonl", 3, 0, 1, Map.of("accuracy", 70.0), Map.of("color", Map.of("accuracy", 80.0)))));
        List<BarChart.Group> groups = BarChart.groups(List.of(a, b));
        assertEquals(
                List.of("jsonl", "jsonl/color", "jsonl/count", "mme/count", "mme/existence"), // no bar for MME's sum
                groups.stream().map(BarChart.Group::label).toList());
        assertArrayEquals(new double[] {50, 70}, groups.get(0).values());
        assertArrayEquals(
                new double[] {60, Double.NaN}, groups.get(2).values(), "a model without the category: no bar");
        assertArrayEquals(new double[] {75, Double.NaN}, groups.get(4).values());
    }
}
