/** A matrix quantized to int8 with one symmetric scale per row (output channel). */
export interface RowQuantizedInt8 {
  /** `[rows, cols]` int8 values, row-major. */
  values: Int8Array;
  /** One scale per row: `real = scale[r] * values[r, c]`. */
  scales: Float32Array;
}

/**
 * Symmetric per-row int8 quantization of a row-major `[rows, cols]` matrix:
 * each row gets `scale = max|w| / 127` and values rounded to nearest, so the
 * error of any weight is at most half a step of its own row.
 *
 * @example
 * ```ts
 * const { values, scales } = quantizeRowsInt8(new Float32Array([0.5, -1, 2, 4]), 2, 2);
 * // scales ≈ [1/127, 4/127]
 * ```
 */
export function quantizeRowsInt8(matrix: Float32Array, rows: number, cols: number): RowQuantizedInt8 {
  if (matrix.length !== rows * cols) {
    throw new RangeError(`quantizeRowsInt8: expected ${rows}x${cols}=${rows * cols} values, found ${matrix.length}`);
  }
  const values = new Int8Array(rows * cols);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let maxAbs = 0;
    for (let c = 0; c < cols; c++) maxAbs = Math.max(maxAbs, Math.abs(matrix[base + c]!));
    // An all-zero row keeps scale 1 so that dequantization never divides by zero.
    const scale = maxAbs > 0 ? maxAbs / 127 : 1;
    scales[r] = scale;
    for (let c = 0; c < cols; c++) values[base + c] = Math.round(matrix[base + c]! / scale);
  }
  return { values, scales };
}
