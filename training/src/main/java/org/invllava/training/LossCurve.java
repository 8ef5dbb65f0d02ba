package org.invllava.training;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** A PNG of each stage's training loss per step (mean of 20-step windows) and its validation accuracy points. */
final class LossCurve {
    private static final Color[] COLOURS = {new Color(0x4C72B0), new Color(0xDD8452), new Color(0x55A868)};

    private LossCurve() {}

    /** One stage's history: its name, losses per step and validation (step, accuracy %) points. */
    record Series(String name, List<Double> losses, List<double[]> validation) {}

    static void write(List<Series> stages, Path file) throws IOException {
        int width = 760;
        int height = 300 * stages.size();
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        for (int i = 0; i < stages.size(); i++) {
            draw(g, stages.get(i), 0, i * 300, width, 300, COLOURS[i % COLOURS.length]);
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    private static void draw(Graphics2D g, Series s, int x0, int y0, int w, int h, Color colour) {
        int left = x0 + 60;
        int right = x0 + w - 60;
        int top = y0 + 40;
        int bottom = y0 + h - 40;
        double[] smooth = smooth(s.losses(), 20);
        double max = 0;
        for (double v : smooth) {
            max = Math.max(max, v);
        }
        max = max <= 0 ? 1 : max;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString(
                s.name() + ": training loss (left axis)"
                        + (s.validation().isEmpty() ? "" : ", validation accuracy % (right axis, dots)"),
                left,
                y0 + 22);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.drawLine(left, bottom, right, bottom);
        g.drawLine(left, top, left, bottom);
        g.drawString(String.format("%.2f", max), x0 + 8, top + 4);
        g.drawString("0", x0 + 40, bottom + 4);
        g.drawString("steps: " + s.losses().size(), right - 70, bottom + 18);
        g.setColor(colour);
        g.setStroke(new BasicStroke(1.5f));
        int n = smooth.length;
        for (int i = 1; i < n; i++) {
            g.drawLine(
                    left + (int) ((long) (i - 1) * (right - left) / Math.max(1, n - 1)),
                    bottom - (int) ((bottom - top) * smooth[i - 1] / max),
                    left + (int) ((long) i * (right - left) / Math.max(1, n - 1)),
                    bottom - (int) ((bottom - top) * smooth[i] / max));
        }
        g.setColor(new Color(0xC44E52));
        for (double[] p : s.validation()) {
            int x = left + (int) ((right - left) * p[0] / Math.max(1, n));
            int y = bottom - (int) ((bottom - top) * p[1] / 100);
            g.fillOval(x - 4, y - 4, 8, 8);
            g.drawString(String.format("%.0f%%", p[1]), x - 10, y - 8);
        }
    }

    static double[] smooth(List<Double> values, int window) {
        double[] out = new double[values.size()];
        double sum = 0;
        for (int i = 0; i < values.size(); i++) {
            sum += values.get(i);
            if (i >= window) {
                sum -= values.get(i - window);
            }
            out[i] = sum / Math.min(i + 1, window);
        }
        return out;
    }
}
