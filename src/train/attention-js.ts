import * as tf from '@tensorflow/tfjs-core';

// Causal self-attention with RoPE for training, forward and backward, in
// plain JS loops over Float32Arrays. On tfjs's WebAssembly backend batched
// matmuls run at 0.5-1 GFLOPS whatever their layout, and the pair swap RoPE
// needs (a Reverse) is slower still; loops here do the same arithmetic, skip
// the masked upper triangle and every padded position, and ended up 3-4x
// faster per training step on the appliance model's shape.

/**
 * RoPE cosines and sines as llama2.c's run.c computes them: pair `(i, i+1)`
 * of each head is rotated by `pos * theta^(-i / headSize)` (`i` even, within
 * the head), with the frequency, the angle and its cosine and sine each
 * rounded to float32. Returns `[positions, headSize / 2]` tables.
 */
export function ropeTables(positions: number, headSize: number, theta: number): { cos: Float32Array; sin: Float32Array } {
  const half = headSize / 2;
  const cos = new Float32Array(positions * half);
  const sin = new Float32Array(positions * half);
  const th = Math.fround(theta);
  for (let j = 0; j < half; j++) {
    const freq = Math.fround(1 / Math.fround(Math.pow(th, Math.fround((2 * j) / headSize))));
    for (let pos = 0; pos < positions; pos++) {
      const angle = Math.fround(pos * freq);
      cos[pos * half + j] = Math.fround(Math.cos(angle));
      sin[pos * half + j] = Math.fround(Math.sin(angle));
    }
  }
  return { cos, sin };
}

/** Shapes and tables {@link attention} needs. */
export interface AttentionSpec {
  /** Rows in the batch. */
  batch: number;
  /** Positions per row. */
  positions: number;
  /**
   * For each of the `batch * positions` slots, the row position where its
   * sequence starts (several sequences may be packed into one row, each
   * attending only to itself), or -1 for padding, which gets zero output.
   */
  segmentStart: Int32Array;
  /** For each slot, its position within its own sequence: what RoPE rotates by. */
  position: Int32Array;
  /** Query heads. */
  nHeads: number;
  /** Key/value heads; divides `nHeads`. */
  nKvHeads: number;
  /** Width of one head; even. */
  headSize: number;
  /** {@link ropeTables} for at least `positions` positions. */
  rope: { cos: Float32Array; sin: Float32Array };
}

/**
 * Causal self-attention as `LlamaReference` computes it, over a batch of rows
 * of packed sequences: RoPE on queries and keys (by position within the
 * sequence), scores scaled by `1/sqrt(headSize)`, softmax over the sequence's
 * positions up to the query, weighted sum of values. Query head `h` reads
 * key/value head `floor(h / (nHeads / nKvHeads))`.
 *
 * @param q - `[batch * positions, nHeads * headSize]`
 * @param k - `[batch * positions, nKvHeads * headSize]`
 * @param v - `[batch * positions, nKvHeads * headSize]`
 * @returns `[batch * positions, nHeads * headSize]`, zero at padded positions
 */
export function attention(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, spec: AttentionSpec): tf.Tensor2D {
  const { batch, positions: t, segmentStart, position, nHeads, nKvHeads, headSize: hs, rope } = spec;
  const qw = nHeads * hs;
  const kw = nKvHeads * hs;
  const kvMul = nHeads / nKvHeads;
  const half = hs / 2;
  const scale = 1 / Math.sqrt(hs);
  const rows = batch * t;

  const dims: Dims = { batch, t, nHeads, kvMul, hs, qw, kw, scale };
  const f = tf.customGrad((qi, ki, vi) => {
    const qr = Float32Array.from((qi as tf.Tensor).dataSync() as Float32Array);
    const kr = Float32Array.from((ki as tf.Tensor).dataSync() as Float32Array);
    const vv = Float32Array.from((vi as tf.Tensor).dataSync() as Float32Array);
    rotate(qr, position, qw, hs, rope.cos, rope.sin, 1);
    rotate(kr, position, kw, hs, rope.cos, rope.sin, 1);
    // probabilities of every (sequence, head, query, key <= query), row-major [b, h, i, j]
    const probs = new Float32Array(batch * nHeads * t * t);
    const out = new Float32Array(rows * qw);
    forward(dims, segmentStart, qr, kr, vv, probs, out);
    return {
      value: tf.tensor2d(out, [rows, qw]),
      gradFunc: (dy: tf.Tensor) => {
        const dq = new Float32Array(rows * qw);
        const dk = new Float32Array(rows * kw);
        const dv = new Float32Array(rows * kw);
        backward(dims, segmentStart, qr, kr, vv, probs, dy.dataSync() as Float32Array, dq, dk, dv);
        rotate(dq, position, qw, hs, rope.cos, rope.sin, -1);
        rotate(dk, position, kw, hs, rope.cos, rope.sin, -1);
        return [tf.tensor2d(dq, [rows, qw]), tf.tensor2d(dk, [rows, kw]), tf.tensor2d(dv, [rows, kw])];
      },
    };
  });
  return f(q, k, v) as tf.Tensor2D;
}

interface Dims {
  batch: number;
  t: number;
  nHeads: number;
  kvMul: number;
  hs: number;
  qw: number;
  kw: number;
  scale: number;
}

/**
 * RoPE in place on `[rows, width]`, row `r` at position `position[r]`;
 * `sign` -1 rotates by the opposite angle, which is the transpose, for the
 * backward pass.
 */
function rotate(x: Float32Array, position: Int32Array, width: number, hs: number, cos: Float32Array, sin: Float32Array, sign: number): void {
  const half = hs / 2;
  const rows = position.length;
  for (let r = 0; r < rows; r++) {
    const table = position[r]! * half;
    const base = r * width;
    for (let i = 0; i < width; i += 2) {
      const j = table + ((i % hs) >> 1);
      const c = cos[j]!;
      const s = sign * sin[j]!;
      const a = x[base + i]!;
      const b = x[base + i + 1]!;
      x[base + i] = a * c - b * s;
      x[base + i + 1] = a * s + b * c;
    }
  }
}

function forward(d: Dims, segmentStart: Int32Array, q: Float32Array, k: Float32Array, v: Float32Array, probs: Float32Array, out: Float32Array): void {
  const { batch, t, nHeads, kvMul, hs, qw, kw, scale } = d;
  const acc = new Float64Array(hs);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < nHeads; h++) {
      const kvOff = ((h / kvMul) | 0) * hs;
      for (let i = 0; i < t; i++) {
        const start = segmentStart[b * t + i]!;
        if (start < 0) continue;
        const qOff = (b * t + i) * qw + h * hs;
        const pOff = ((b * nHeads + h) * t + i) * t;
        let max = -Infinity;
        for (let j = start; j <= i; j++) {
          const kOff = (b * t + j) * kw + kvOff;
          let s = 0;
          for (let x = 0; x < hs; x++) s += q[qOff + x]! * k[kOff + x]!;
          s *= scale;
          probs[pOff + j] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let j = start; j <= i; j++) {
          const e = Math.exp(probs[pOff + j]! - max);
          probs[pOff + j] = e;
          sum += e;
        }
        acc.fill(0);
        for (let j = start; j <= i; j++) {
          const p = probs[pOff + j]! / sum;
          probs[pOff + j] = p;
          const vOff = (b * t + j) * kw + kvOff;
          for (let x = 0; x < hs; x++) acc[x]! += p * v[vOff + x]!;
        }
        for (let x = 0; x < hs; x++) out[qOff + x] = acc[x]!;
      }
    }
  }
}

function backward(
  d: Dims, segmentStart: Int32Array, q: Float32Array, k: Float32Array, v: Float32Array, probs: Float32Array,
  dOut: Float32Array, dq: Float32Array, dk: Float32Array, dv: Float32Array,
): void {
  const { batch, t, nHeads, kvMul, hs, qw, kw, scale } = d;
  const dp = new Float64Array(t);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < nHeads; h++) {
      const kvOff = ((h / kvMul) | 0) * hs;
      for (let i = 0; i < t; i++) {
        const start = segmentStart[b * t + i]!;
        if (start < 0) continue;
        const oOff = (b * t + i) * qw + h * hs;
        const pOff = ((b * nHeads + h) * t + i) * t;
        // dP_ij = dOut_i . v_j and dV_j += P_ij dOut_i
        let dot = 0;
        for (let j = start; j <= i; j++) {
          const vOff = (b * t + j) * kw + kvOff;
          const p = probs[pOff + j]!;
          let s = 0;
          for (let x = 0; x < hs; x++) {
            const g = dOut[oOff + x]!;
            s += g * v[vOff + x]!;
            dv[vOff + x]! += p * g;
          }
          dp[j] = s;
          dot += p * s;
        }
        // dS_ij = P_ij (dP_ij - sum_j P_ij dP_ij), times the score scale;
        // dQ_i += dS_ij K_j and dK_j += dS_ij Q_i
        for (let j = start; j <= i; j++) {
          const ds = probs[pOff + j]! * (dp[j]! - dot) * scale;
          const kOff = (b * t + j) * kw + kvOff;
          for (let x = 0; x < hs; x++) {
            dq[oOff + x]! += ds * k[kOff + x]!;
            dk[kOff + x]! += ds * q[oOff + x]!;
          }
        }
      }
    }
  }
}
