/**
 * The on-the-fly activation quantization of TFLite's hybrid kernels (float
 * activations, int8 weights), reproduced step for step in float32 and
 * float64 as TFLite's portable C++ does it, so that the portable backend's
 * integer dot products see the very same int8 inputs as the native one.
 * Internal to the portable backend.
 */

/** C's `round`: halves away from zero. */
function roundHalfAway(v: number): number {
  return v < 0 ? -Math.round(-v) : Math.round(v);
}

/**
 * Asymmetric int8 quantization of `x[from .. from+size)`: the range
 * `[min(0, min x), max(0, max x)]` onto [-128, 127] with a nudged zero point.
 * Writes `q - zeroPoint` (an integer in [-255, 255]) into `out` at the same
 * positions and returns the scale (float32): `x ≈ scale * (q - zeroPoint)`.
 */
export function quantizeAsymmetric(x: Float32Array, from: number, size: number, out: Float32Array): number {
  let lo = 0;
  let hi = 0;
  for (let i = from; i < from + size; i++) {
    const v = x[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === hi) {
    out.fill(0, from, from + size);
    return 1;
  }
  const qmin = -128;
  const qmax = 127;
  const scale = (hi - lo) / (qmax - qmin); // in double, as TFLite
  const fromMin = qmin - lo / scale;
  const fromMax = qmax - hi / scale;
  const errorMin = Math.abs(qmin) + Math.abs(lo / scale);
  const errorMax = Math.abs(qmax) + Math.abs(hi / scale);
  const zeroPointDouble = errorMin < errorMax ? fromMin : fromMax;
  const zeroPoint = zeroPointDouble <= qmin ? qmin : zeroPointDouble >= qmax ? qmax : roundHalfAway(zeroPointDouble);
  const scale32 = Math.fround(scale);
  const inverse = Math.fround(1 / scale32);
  for (let i = from; i < from + size; i++) {
    const q = roundHalfAway(Math.fround(zeroPoint + Math.fround(x[i]! * inverse)));
    out[i] = Math.min(qmax, Math.max(qmin, q)) - zeroPoint;
  }
  return scale32;
}

/**
 * Symmetric int8 quantization of `x[from .. from+size)`: `max |x|` onto 127.
 * Writes `q` (an integer in [-127, 127]) into `out` and returns the scale.
 */
export function quantizeSymmetric(x: Float32Array, from: number, size: number, out: Float32Array): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = from; i < from + size; i++) {
    const v = x[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const range = Math.max(Math.abs(lo), Math.abs(hi));
  if (range === 0 || size === 0) {
    out.fill(0, from, from + size);
    return 1;
  }
  const scale = Math.fround(range / 127);
  const inverse = Math.fround(127 / range);
  for (let i = from; i < from + size; i++) {
    const q = roundHalfAway(Math.fround(x[i]! * inverse));
    out[i] = Math.min(127, Math.max(-127, q));
  }
  return scale;
}
