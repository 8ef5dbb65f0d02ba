package org.invllava.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter): Adam moments with bias correction and decoupled weight decay, after clipping the
 * gradients' global norm. Updates run in place outside gradient recording; gradients are zeroed after each step.
 * Tensors of fewer than two dimensions (norm weights, scales) get no weight decay, as in common LLM recipes.
 */
public final class AdamW {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final double maxGradNorm;
    private final Map<String, NDArray[]> moments = new LinkedHashMap<>(); // name → [m, v]
    private int step;

    public AdamW(double beta1, double beta2, double eps, double weightDecay, double maxGradNorm) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.maxGradNorm = maxGradNorm;
    }

    /** The usual LLM fine-tuning settings: β = (0.9, 0.999), ε = 1e-8, clip at 1.0. */
    public static AdamW standard(double weightDecay) {
        return new AdamW(0.9, 0.999, 1e-8, weightDecay, 1.0);
    }

    public int steps() {
        return step;
    }

    /** One update of every parameter at learning rate {@code lr}; returns the gradient norm before clipping. */
    public double step(Parameters params, double lr) {
        step++;
        NDManager m = params.manager();
        try (NDManager scope = m.newSubManager()) {
            Map<String, NDArray> grads = new LinkedHashMap<>();
            double sq = 0;
            for (Map.Entry<String, NDArray> e : params.tensors().entrySet()) {
                NDArray g = e.getValue().getGradient();
                g.attach(scope);
                grads.put(e.getKey(), g);
                sq += g.square().sum().getFloat(); // results live with g, in the scope
            }
            double norm = Math.sqrt(sq);
            double clip = maxGradNorm > 0 && norm > maxGradNorm ? maxGradNorm / (norm + 1e-6) : 1.0;
            double c1 = 1 - Math.pow(beta1, step);
            double c2 = 1 - Math.pow(beta2, step);
            for (Map.Entry<String, NDArray> e : params.tensors().entrySet()) {
                NDArray p = e.getValue();
                NDArray g = grads.get(e.getKey());
                NDArray[] mv = moments.computeIfAbsent(
                        e.getKey(), k -> new NDArray[] {m.zeros(p.getShape()), m.zeros(p.getShape())});
                NDArray clipped = g.mul((float) clip);
                mv[0].muli((float) beta1).addi(clipped.mul((float) (1 - beta1)));
                mv[1].muli((float) beta2).addi(clipped.square().mul((float) (1 - beta2)));
                NDArray denominator =
                        g.zerosLike().add(mv[1]).div((float) c2).sqrt().add((float) eps); // in the scope
                NDArray update = g.zerosLike().add(mv[0]).div((float) c1).div(denominator);
                if (weightDecay > 0 && p.getShape().dimension() >= 2) {
                    p.muli((float) (1 - lr * weightDecay));
                }
                p.subi(update.mul((float) lr));
                g.subi(g); // the parameter's gradient, zeroed for the next backward pass
            }
            return norm;
        }
    }

    /** The moments by parameter name ({@code name + ".m"}, {@code name + ".v"}), for a resumable checkpoint. */
    public Map<String, NDArray> state() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        moments.forEach((k, v) -> {
            out.put(k + ".m", v[0]);
            out.put(k + ".v", v[1]);
        });
        return out;
    }

    /** Restores moments written by {@link #state} and the step count. */
    public void restore(Parameters params, Map<String, float[]> state, int steps) {
        this.step = steps;
        for (Map.Entry<String, NDArray> e : params.tensors().entrySet()) {
            float[] m = state.get(e.getKey() + ".m");
            float[] v = state.get(e.getKey() + ".v");
            if (m == null || v == null) {
                throw new IllegalArgumentException("optimizer state lacks " + e.getKey());
            }
            NDManager mgr = params.manager();
            moments.put(e.getKey(), new NDArray[] {
                mgr.create(m, e.getValue().getShape()),
                mgr.create(v, e.getValue().getShape())
            });
        }
    }
}
