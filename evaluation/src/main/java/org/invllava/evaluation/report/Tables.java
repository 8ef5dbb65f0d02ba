package org.invllava.evaluation.report;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Markdown tables of eval results: one row per benchmark (and category), one column per model. */
public final class Tables {
    private Tables() {}

    /**
     * For each benchmark: its headline metric, then each category's first metric, with the models side by side.
     */
    public static String markdown(List<EvalReport> reports) {
        StringBuilder s = new StringBuilder("| benchmark | category | metric |");
        reports.forEach(r -> s.append(' ').append(r.model()).append(" |"));
        s.append("\n|---|---|---|").append("---:|".repeat(reports.size())).append('\n');
        for (String benchmark : benchmarks(reports)) {
            String metric = first(reports, benchmark).headline().getKey();
            row(
                    s,
                    benchmark,
                    "all",
                    metric,
                    reports,
                    r -> entry(r, benchmark) == null
                            ? null
                            : entry(r, benchmark).metrics());
            for (String category : categories(reports, benchmark)) {
                row(s, benchmark, category, firstMetric(reports, benchmark, category), reports, r -> {
                    EvalReport.Entry e = entry(r, benchmark);
                    return e == null ? null : e.categories().get(category);
                });
            }
        }
        return s.toString();
    }

    private static void row(
            StringBuilder s,
            String benchmark,
            String category,
            String metric,
            List<EvalReport> reports,
            java.util.function.Function<EvalReport, Map<String, Double>> values) {
        s.append("| ")
                .append(benchmark)
                .append(" | ")
                .append(category)
                .append(" | ")
                .append(metric)
                .append(" |");
        for (EvalReport r : reports) {
            Map<String, Double> v = values.apply(r);
            s.append(v == null || v.get(metric) == null ? " – |" : String.format(" %.1f |", v.get(metric)));
        }
        s.append('\n');
    }

    static List<String> benchmarks(List<EvalReport> reports) {
        Set<String> names = new LinkedHashSet<>();
        reports.forEach(r -> r.benchmarks().forEach(e -> names.add(e.benchmark())));
        return new ArrayList<>(names);
    }

    static List<String> categories(List<EvalReport> reports, String benchmark) {
        Set<String> names = new LinkedHashSet<>();
        for (EvalReport r : reports) {
            EvalReport.Entry e = entry(r, benchmark);
            if (e != null) {
                names.addAll(e.categories().keySet());
            }
        }
        return new ArrayList<>(names);
    }

    static EvalReport.Entry entry(EvalReport report, String benchmark) {
        return report.benchmarks().stream()
                .filter(e -> e.benchmark().equals(benchmark))
                .findFirst()
                .orElse(null);
    }

    private static EvalReport.Entry first(List<EvalReport> reports, String benchmark) {
        return reports.stream()
                .map(r -> entry(r, benchmark))
                .filter(java.util.Objects::nonNull)
                .findFirst()
                .orElseThrow();
    }

    private static String firstMetric(List<EvalReport> reports, String benchmark, String category) {
        for (EvalReport r : reports) {
            EvalReport.Entry e = entry(r, benchmark);
            if (e != null && e.categories().containsKey(category)) {
                return e.categories().get(category).keySet().iterator().next();
            }
        }
        throw new IllegalStateException("no category " + category);
    }
}
