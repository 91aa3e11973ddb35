import * as tf from '@tensorflow/tfjs-core';

// The blocks of the tfjs llama, each a `tf.customGrad` with its backward
// pass written out. Three reasons, all measured on this machine:
// - `@tensorflow/tfjs-core` on its own registers no op gradients (the
//   `@tensorflow/tfjs` union package does, and we do not depend on it), and
//   its ESM files cannot be imported by Node to register them;
// - a matmul with a transposed operand runs 10-20x slower on the WebAssembly
//   backend than a plain one (1.2 against 15 GFLOPS on [1536,128] x [128,384]),
//   and tfjs's own matmul gradient uses exactly those; `linear` transposes
//   explicitly instead;
// - the gradient of `tf.gather` needs UnsortedSegmentSum, which the backend
//   lacks; `gatherRows` adds rows back in plain JS;
// - batched matmuls run at 0.5-1 GFLOPS there, whatever the batch layout, so
//   attention over short sequences is faster in plain JS, where it can also
//   skip the masked half and the padding (see attention-js.ts).
// Every op on the gradient tape is one of these blocks, so the backward pass
// is exactly what is written here.

/** Options of the gradient functions: `tf.customGrad` hands these to the forward function. */
type Save = tf.GradSaveFunc;

/**
 * `x @ w` for `x` `[n, in]` and `w` `[in, out]`; the backward pass is plain
 * matmuls with explicit transposes.
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return linearGrad(x, w) as tf.Tensor2D;
}

const linearGrad = tf.customGrad((x, w, save) => {
  const a = x as tf.Tensor2D;
  const b = w as tf.Tensor2D;
  (save as Save)([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      return [tf.matMul(g, tf.transpose(sb)), tf.matMul(tf.transpose(sa), g)];
    },
  };
});

/**
 * `x @ w^T` for `x` `[n, in]` and `w` `[out, in]`: the tied classifier,
 * which reads the embedding table as it is stored.
 */
export function linearTransposed(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return linearTransposedGrad(x, w) as tf.Tensor2D;
}

const linearTransposedGrad = tf.customGrad((x, w, save) => {
  const a = x as tf.Tensor2D;
  const b = w as tf.Tensor2D;
  (save as Save)([a, b]);
  return {
    value: tf.matMul(a, tf.transpose(b)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      return [tf.matMul(g, sb), tf.matMul(tf.transpose(g), sa)];
    },
  };
});

/** `a + b` for two tensors of one shape (the residual connections). */
export function addSame(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return addGrad(a, b) as tf.Tensor2D;
}

const addGrad = tf.customGrad((a, b) => ({
  value: tf.add(a as tf.Tensor, b as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => [dy, dy],
}));

/**
 * Rows `ids` of `table` (`[rows, width]`), as `[ids.length, width]`. The
 * gradient adds each output row back into the row it came from.
 *
 * @param table - the table
 * @param ids - row indices, each in `[0, rows)`
 */
export function gatherRows(table: tf.Tensor2D, ids: Int32Array): tf.Tensor2D {
  const [rows, width] = table.shape;
  const f = tf.customGrad((t) => ({
    value: tf.tidy(() => tf.gather(t as tf.Tensor2D, tf.tensor1d(ids, 'int32'))),
    gradFunc: (dy: tf.Tensor) => {
      const g = dy.dataSync() as Float32Array;
      const out = new Float32Array(rows * width);
      for (let i = 0; i < ids.length; i++) {
        const to = ids[i]! * width;
        const from = i * width;
        for (let j = 0; j < width; j++) out[to + j]! += g[from + j]!;
      }
      return tf.tensor2d(out, [rows, width]);
    },
  }));
  return f(table) as tf.Tensor2D;
}

/** RMSNorm over the last axis: `w * x / sqrt(mean(x^2) + eps)`. */
export function rmsnorm(x: tf.Tensor2D, w: tf.Tensor1D, eps: number): tf.Tensor2D {
  const f = tf.customGrad((xi, wi, save) => {
    const r = tf.rsqrt(tf.add(tf.mean(tf.square(xi as tf.Tensor2D), -1, true), eps));
    const xn = tf.mul(xi as tf.Tensor2D, r);
    (save as Save)([xn, r, wi as tf.Tensor1D]);
    return {
      value: tf.mul(xn, wi as tf.Tensor1D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sxn, sr, sw] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
        const g = tf.mul(dy, sw);
        // d/dx of x * r(x): r * (g - xn * mean(g * xn))
        const dx = tf.mul(sr, tf.sub(g, tf.mul(sxn, tf.mean(tf.mul(g, sxn), -1, true))));
        const dw = tf.sum(tf.mul(dy, sxn), 0);
        return [dx, dw];
      },
    };
  });
  return f(x, w) as tf.Tensor2D;
}

/** SwiGLU: `silu(gate) * up`, both `[n, hidden]`. */
export function swiglu(gate: tf.Tensor2D, up: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad((g, u, save) => {
    const sig = tf.sigmoid(g as tf.Tensor2D);
    const silu = tf.mul(g as tf.Tensor2D, sig);
    (save as Save)([u as tf.Tensor2D, sig, silu]);
    return {
      value: tf.mul(silu, u as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [su, ss, ssilu] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        // d silu(g) / dg = sig + silu * (1 - sig)
        const dGate = tf.mul(tf.mul(dy, su), tf.add(ss, tf.mul(ssilu, tf.sub(1, ss))));
        return [dGate, tf.mul(dy, ssilu)];
      },
    };
  });
  return f(gate, up) as tf.Tensor2D;
}

/**
 * Mean cross-entropy, in nats, of `logits` (`[m, vocab]`) against `targets`
 * (`m` ids). Gradient `(softmax - onehot) / m`.
 */
export function crossEntropy(logits: tf.Tensor2D, targets: Int32Array): tf.Scalar {
  const [m, vocab] = logits.shape;
  const f = tf.customGrad((input, save) => {
    const x = input as tf.Tensor2D;
    // the WebAssembly OneHot kernel writes int32 whatever dtype is asked for: cast instead
    const onehot = tf.cast(tf.oneHot(tf.tensor1d(targets, 'int32'), vocab), 'float32');
    const logZ = tf.logSumExp(x, -1);
    const picked = tf.sum(tf.mul(x, onehot), -1);
    (save as Save)([x, onehot]);
    return {
      value: tf.mean(tf.sub(logZ, picked)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, so] = saved as [tf.Tensor2D, tf.Tensor2D];
        return tf.mul(tf.sub(tf.softmax(sx), so), tf.div(dy, m));
      },
    };
  });
  return f(logits) as tf.Scalar;
}
