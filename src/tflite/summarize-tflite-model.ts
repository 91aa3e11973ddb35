import { TENSOR_TYPE_BYTES } from './schema.js';
import type { TfliteModelInfo, TfliteTensor } from './tflite-model-info.js';
import type { TfliteDtypeBytes, TfliteModelSummary, TfliteOperatorCount, TfliteTensorSummary } from './tflite-model-summary.js';

/** `BuiltinOperator.CUSTOM`. */
const CUSTOM_OPERATOR = 32;

/**
 * Summarises a model read by `readTfliteModel`: operators with counts,
 * tensor and parameter counts, constant bytes by dtype, the main subgraph's
 * inputs and outputs.
 *
 * A buffer shared by several tensors (converters deduplicate identical
 * constants) is counted once, under the first tensor that uses it, so the
 * byte totals add up to the weights actually stored in the file.
 *
 * @param info - the model structure from `readTfliteModel`
 * @returns plain data, ready for `JSON.stringify` or `formatTfliteSummary`
 *
 * @example
 * ```ts
 * const summary = summarizeTfliteModel(readTfliteModel(await readFile('model.tflite')));
 * console.log(summary.parameterCount, summary.operators[0]?.name);
 * ```
 */
export function summarizeTfliteModel(info: TfliteModelInfo): TfliteModelSummary {
  const operators = new Map<number, TfliteOperatorCount>();
  const byDtype = new Map<string, TfliteDtypeBytes>();
  const seenBuffers = new Set<number>();
  let operatorCount = 0;
  let tensorCount = 0;
  let parameterCount = 0;
  let constantBytes = 0;

  for (const sg of info.subgraphs) {
    tensorCount += sg.tensors.length;
    for (const op of sg.operators) {
      operatorCount++;
      const code = info.operatorCodes[op.opcodeIndex];
      if (code === undefined) continue;
      const entry = operators.get(op.opcodeIndex);
      if (entry !== undefined) entry.count++;
      else operators.set(op.opcodeIndex, { name: code.name, builtinCode: code.builtinCode, custom: code.builtinCode === CUSTOM_OPERATOR, count: 1 });
    }
    for (const t of sg.tensors) {
      const bytes = info.buffers[t.buffer]?.byteLength ?? 0;
      if (bytes === 0 || seenBuffers.has(t.buffer)) continue;
      seenBuffers.add(t.buffer);
      const elements = elementCount(t, bytes);
      parameterCount += elements;
      constantBytes += bytes;
      const d = byDtype.get(t.dtype) ?? { dtype: t.dtype, parameters: 0, bytes: 0 };
      d.parameters += elements;
      d.bytes += bytes;
      byDtype.set(t.dtype, d);
    }
  }

  const main = info.subgraphs[0];
  const describe = (indices: number[]): TfliteTensorSummary[] =>
    indices.flatMap((i) => {
      const t = main?.tensors[i];
      return t === undefined ? [] : [{ name: t.name, dtype: t.dtype, shape: [...t.shape] }];
    });

  return {
    fileSize: info.fileSize,
    version: info.version,
    description: info.description,
    subgraphCount: info.subgraphs.length,
    operatorCount,
    // Operator codes may repeat a builtin (different versions), so merge by name.
    operators: mergeByName([...operators.values()]).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name)),
    tensorCount,
    parameterCount,
    constantBytes,
    bytesByDtype: [...byDtype.values()].sort((a, b) => b.bytes - a.bytes || a.dtype.localeCompare(b.dtype)),
    inputs: describe(main?.inputs ?? []),
    outputs: describe(main?.outputs ?? []),
    signatures: info.signatureDefs.map((s) => s.key),
    metadata: info.metadata.map((m) => m.name),
  };
}

/** Elements of a constant tensor: its shape's product, or what its bytes hold when the shape is unusable. */
function elementCount(t: TfliteTensor, bytes: number): number {
  let n = 1;
  for (const d of t.shape) n *= d;
  if (Number.isSafeInteger(n) && n >= 0) return n;
  const width = TENSOR_TYPE_BYTES[t.type] ?? 0;
  return width > 0 ? Math.floor(bytes / width) : 0;
}

function mergeByName(counts: TfliteOperatorCount[]): TfliteOperatorCount[] {
  const merged = new Map<string, TfliteOperatorCount>();
  for (const c of counts) {
    const m = merged.get(c.name);
    if (m === undefined) merged.set(c.name, { ...c });
    else m.count += c.count;
  }
  return [...merged.values()];
}
