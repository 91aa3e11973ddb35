import { checkLlamaWeights, llamaDims, validateLlamaConfig } from './config.js';
import type { LlamaConfig, LlamaWeights } from './config.js';

const HEADER_BYTES = 28;

/**
 * Write a config and weights as a legacy llama2.c checkpoint, the format
 * `run.c` reads and `readLlama2cCheckpoint` reads back: seven int32
 * (vocab_size negative for a separate classifier), then float32 weights in
 * run.c's order, including the RoPE tables export.py wrote
 * (`cos`/`sin(pos * ropeTheta^(-2j/headSize))`, `[seqLen, headSize/2]`) so
 * older readers that still use them get the right values.
 *
 * The format has no room for `normEps` or `ropeTheta`; readers assume
 * llama2.c's 1e-5 and 10000.
 *
 * @param config - hyper-parameters; validated
 * @param weights - float32 weights matching `config`
 * @returns the file's bytes, little-endian
 * @throws RangeError when the config is invalid or a weight has the wrong length
 * @throws TypeError when a weight is not a Float32Array
 *
 * @example
 * ```ts
 * const bytes = writeLlama2cCheckpoint(config, randomLlamaWeights(config, 42));
 * await writeFile('model.bin', bytes);
 * ```
 */
export function writeLlama2cCheckpoint(config: LlamaConfig, weights: LlamaWeights): Uint8Array {
  validateLlamaConfig(config);
  checkLlamaWeights(config, weights);
  const { dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, seqLen } = config;
  const { headSize } = llamaDims(config);
  const theta = config.ropeTheta ?? 10000;

  const ropeCount = (seqLen * headSize) / 2;
  const freqCisReal = new Float32Array(ropeCount);
  const freqCisImag = new Float32Array(ropeCount);
  for (let pos = 0; pos < seqLen; pos++) {
    for (let j = 0; j < headSize / 2; j++) {
      const angle = pos / Math.pow(theta, (2 * j) / headSize);
      freqCisReal[pos * (headSize / 2) + j] = Math.cos(angle);
      freqCisImag[pos * (headSize / 2) + j] = Math.sin(angle);
    }
  }

  const layers = weights.layers;
  const tensors: Float32Array[] = [
    weights.tokenEmbedding,
    ...layers.map((l) => l.attnNorm),
    ...layers.map((l) => l.wq),
    ...layers.map((l) => l.wk),
    ...layers.map((l) => l.wv),
    ...layers.map((l) => l.wo),
    ...layers.map((l) => l.ffnNorm),
    ...layers.map((l) => l.w1),
    ...layers.map((l) => l.w2),
    ...layers.map((l) => l.w3),
    weights.finalNorm,
    freqCisReal,
    freqCisImag,
    ...(weights.classifier === null ? [] : [weights.classifier]),
  ];
  const floatCount = tensors.reduce((sum, t) => sum + t.length, 0);
  const out = new Uint8Array(HEADER_BYTES + floatCount * 4);
  const view = new DataView(out.buffer);
  const header = [dim, hiddenDim, nLayers, nHeads, nKvHeads, config.sharedClassifier ? vocabSize : -vocabSize, seqLen];
  header.forEach((value, i) => view.setInt32(4 * i, value, true));

  const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  let offset = HEADER_BYTES;
  if (littleEndianHost) {
    const floats = new Float32Array(out.buffer, HEADER_BYTES, floatCount);
    for (const t of tensors) {
      floats.set(t, (offset - HEADER_BYTES) / 4);
      offset += t.length * 4;
    }
  } else {
    for (const t of tensors) {
      for (let i = 0; i < t.length; i++, offset += 4) view.setFloat32(offset, t[i]!, true);
    }
  }
  return out;
}
