import * as tf from '@tensorflow/tfjs-core';
import type { NamedVariable } from './tfjs-llama.js';

/** Hyper-parameters of {@link AdamW}. */
export interface AdamWOptions {
  /** First-moment decay. Default 0.9. */
  beta1?: number;
  /** Second-moment decay. Default 0.95. */
  beta2?: number;
  /** Added to the root of the second moment. Default 1e-8. */
  epsilon?: number;
  /** Decoupled weight decay per unit of learning rate, applied to matrices only. Default 0.1. */
  weightDecay?: number;
}

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter's AdamW), written
 * out in tfjs ops rather than `tf.train.adam` for three reasons: the decay
 * must be decoupled from the gradient and skip the norm weights, the
 * learning rate changes every step (warmup and cosine), and the moments must
 * be saved and restored exactly so that a resumed run takes the very same
 * steps.
 *
 * Per variable `p` with gradient `g` at step `t` (1-based):
 * `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`,
 * `p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps) + lr wd p` (the last term for matrices only).
 */
export class AdamW {
  readonly #vars: NamedVariable[];
  readonly #m: tf.Variable[];
  readonly #v: tf.Variable[];
  readonly #beta1: number;
  readonly #beta2: number;
  readonly #epsilon: number;
  readonly #weightDecay: number;

  /**
   * @param vars - the variables to train, in a fixed order (the order of the saved moments)
   */
  constructor(vars: NamedVariable[], options: AdamWOptions = {}) {
    this.#vars = vars;
    this.#beta1 = options.beta1 ?? 0.9;
    this.#beta2 = options.beta2 ?? 0.95;
    this.#epsilon = options.epsilon ?? 1e-8;
    this.#weightDecay = options.weightDecay ?? 0.1;
    this.#m = vars.map((v) => tf.variable(tf.zerosLike(v.variable), false));
    this.#v = vars.map((v) => tf.variable(tf.zerosLike(v.variable), false));
  }

  /**
   * Apply one update.
   *
   * @param grads - one gradient per variable, by variable name
   * @param lr - learning rate for this step
   * @param t - 1-based step number (for the bias corrections)
   * @param gradScale - factor applied to every gradient first (global-norm clipping)
   */
  update(grads: Record<string, tf.Tensor>, lr: number, t: number, gradScale = 1): void {
    const b1 = this.#beta1;
    const b2 = this.#beta2;
    const epsilon = this.#epsilon;
    const weightDecay = this.#weightDecay;
    const c1 = 1 - b1 ** t;
    const c2 = 1 - b2 ** t;
    tf.tidy(() => {
      this.#vars.forEach(({ name, variable, decay }, i) => {
        const raw = grads[name];
        if (raw === undefined) throw new Error(`AdamW: no gradient for ${name}`);
        const g = gradScale === 1 ? raw : tf.mul(raw, gradScale);
        const m = this.#m[i]!;
        const v = this.#v[i]!;
        m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
        v.assign(tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2)));
        const step = tf.div(tf.mul(m, lr / c1), tf.add(tf.sqrt(tf.div(v, c2)), epsilon));
        const decayed = decay && weightDecay > 0 ? tf.mul(variable, 1 - lr * weightDecay) : variable;
        variable.assign(tf.sub(decayed, step));
      });
    });
  }

  /** The moments, in variable order: `m` then `v` of each variable. */
  state(): Float32Array[] {
    const out: Float32Array[] = [];
    this.#vars.forEach((_, i) => {
      out.push(Float32Array.from(this.#m[i]!.dataSync() as Float32Array), Float32Array.from(this.#v[i]!.dataSync() as Float32Array));
    });
    return out;
  }

  /**
   * Restore moments saved by {@link AdamW.state}.
   *
   * @throws RangeError when the arrays do not match the variables
   */
  setState(state: Float32Array[]): void {
    if (state.length !== 2 * this.#vars.length) throw new RangeError(`optimizer state holds ${state.length} arrays, expected ${2 * this.#vars.length}`);
    tf.tidy(() => this.#vars.forEach(({ name, variable }, i) => {
      const m = state[2 * i]!;
      const v = state[2 * i + 1]!;
      if (m.length !== variable.size || v.length !== variable.size) throw new RangeError(`optimizer state for ${name} has the wrong size`);
      this.#m[i]!.assign(tf.tensor(m, variable.shape));
      this.#v[i]!.assign(tf.tensor(v, variable.shape));
    }));
  }

  /** Free the moments. */
  dispose(): void {
    for (const t of [...this.#m, ...this.#v]) t.dispose();
  }
}
