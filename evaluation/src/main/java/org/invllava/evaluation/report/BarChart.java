package org.invllava.evaluation.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * A grouped bar chart (PNG) comparing models: one group per benchmark (over all) and per category of a benchmark
 * that has several, one bar per model, on a 0-100% axis. The value is the category's accuracy ("accuracy", MME's "acc", POPE's "f1").
 */
public final class BarChart {
    private static final Color[] PALETTE = {
        new Color(0x4C72B0),
        new Color(0xDD8452),
        new Color(0x55A868),
        new Color(0xC44E52),
        new Color(0x8172B3),
        new Color(0x937860)
    };
    private static final List<String> PERCENT_METRICS = List.of("accuracy", "acc", "f1");

    private BarChart() {}

    /** A bar's group label and each model's value (NaN where a model lacks it). */
    record Group(String label, double[] values) {}

    public static void write(List<EvalReport> reports, String title, Path file) throws IOException {
        List<Group> groups = groups(reports);
        int groupWidth = Math.max(40, 14 * reports.size() + 16);
        int left = 60;
        int width = Math.max(480, left + 20 + groups.size() * groupWidth);
        Font plain = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
        List<int[]> legend = legend(reports, plain, left, width - 10); // [x, y] per model
        int top = legend.get(legend.size() - 1)[1] + 16;
        int height = top + 260 + 110;
        int bottom = height - 110;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.setColor(Color.BLACK);
        g.drawString(title, left, 24);
        g.setFont(plain);
        for (int pct = 0; pct <= 100; pct += 20) {
            int y = bottom - (bottom - top) * pct / 100;
            g.setColor(new Color(0xDDDDDD));
            g.drawLine(left, y, width - 10, y);
            g.setColor(Color.DARK_GRAY);
            g.drawString(pct + "%", 20, y + 4);
        }
        for (int i = 0; i < groups.size(); i++) {
            Group group = groups.get(i);
            int x0 = left + 8 + i * groupWidth;
            for (int m = 0; m < reports.size(); m++) {
                double v = group.values()[m];
                if (Double.isNaN(v)) {
                    continue;
                }
                int h = (int) Math.round((bottom - top) * Math.max(0, Math.min(100, v)) / 100);
                g.setColor(PALETTE[m % PALETTE.length]);
                g.fillRect(x0 + m * 14, bottom - h, 12, h);
            }
            g.setColor(Color.BLACK);
            Graphics2D rotated = (Graphics2D) g.create();
            rotated.translate(x0 + 6, bottom + 8);
            rotated.rotate(Math.PI / 4);
            rotated.drawString(group.label(), 0, 0);
            rotated.dispose();
        }
        g.setStroke(new BasicStroke(1));
        g.drawLine(left, bottom, width - 10, bottom);
        for (int m = 0; m < reports.size(); m++) {
            int[] at = legend.get(m);
            g.setColor(PALETTE[m % PALETTE.length]);
            g.fillRect(at[0], at[1] - 9, 10, 10);
            g.setColor(Color.BLACK);
            g.drawString(reports.get(m).model(), at[0] + 14, at[1]);
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    /** Where each model's legend entry goes (x, text baseline): side by side, on a new line when one would not fit. */
    private static List<int[]> legend(List<EvalReport> reports, Font font, int left, int right) {
        FontMetrics metrics = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB)
                .createGraphics()
                .getFontMetrics(font);
        List<int[]> out = new ArrayList<>();
        int x = left;
        int y = 43;
        for (EvalReport r : reports) {
            int w = 14 + metrics.stringWidth(r.model()) + 20;
            if (x > left && x + w > right) {
                x = left;
                y += 16;
            }
            out.add(new int[] {x, y});
            x += w;
        }
        return out;
    }

    static List<Group> groups(List<EvalReport> reports) {
        List<Group> out = new ArrayList<>();
        for (String benchmark : Tables.benchmarks(reports)) {
            List<String> categories = Tables.categories(reports, benchmark);
            List<String> shown = new ArrayList<>(List.of("")); // the benchmark over all, then its categories
            if (categories.size() > 1) {
                shown.addAll(categories);
            }
            for (String category : shown) {
                double[] values = new double[reports.size()];
                for (int m = 0; m < reports.size(); m++) {
                    EvalReport.Entry e = Tables.entry(reports.get(m), benchmark);
                    Map<String, Double> metrics = e == null
                            ? null
                            : category.isEmpty() ? e.metrics() : e.categories().get(category);
                    values[m] = percent(metrics);
                }
                if (Arrays.stream(values).anyMatch(v -> !Double.isNaN(v))) { // MME's sums are not percentages
                    out.add(new Group(category.isEmpty() ? benchmark : benchmark + "/" + category, values));
                }
            }
        }
        return out;
    }

    private static double percent(Map<String, Double> metrics) {
        if (metrics != null) {
            for (String name : PERCENT_METRICS) {
                if (metrics.containsKey(name)) {
                    return metrics.get(name);
                }
            }
        }
        return Double.NaN;
    }
}
