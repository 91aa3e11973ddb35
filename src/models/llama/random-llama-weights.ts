import { llamaDims, validateLlamaConfig } from './config.js';
import type { LlamaConfig, LlamaLayerWeights, LlamaWeights } from './config.js';
import { mulberry32 } from '../../train/seeded-random.js';

/**
 * Deterministic random weights for a config, for tests and benchmarks.
 *
 * Values are uniform (a mulberry32 stream seeded from `seed`), scaled the way
 * a freshly initialised network is so that activations stay in range however
 * many layers there are: the matrices, the embeddings and the separate
 * classifier have standard deviation `1/sqrt(fan-in)` (the embeddings use
 * `1/sqrt(dim)`, so tied logits are about unit scale), norm weights lie in
 * `[0.9, 1.1]`. Query and key weights are twice that, so attention scores
 * have a spread of about 4 and attention is peaked, as in a trained model,
 * rather than a flat average that makes greedy decoding repeat itself. Logits
 * have a spread of about one, and greedy decoding depends on the input.
 *
 * Same config and seed, same weights, on every platform. The stories15M shape
 * (15M parameters) takes about a tenth of a second.
 *
 * @param config - hyper-parameters; validated
 * @param seed - any integer; only its low 32 bits are used
 * @returns fresh float32 weights; `classifier` is `null` when `config.sharedClassifier`
 * @throws RangeError when the config is invalid or `seed` is not an integer
 *
 * @example
 * ```ts
 * const config = { dim: 64, hiddenDim: 172, nLayers: 5, nHeads: 8, nKvHeads: 4,
 *                  vocabSize: 512, seqLen: 512, sharedClassifier: true };
 * const weights = randomLlamaWeights(config, 42);
 * ```
 */
export function randomLlamaWeights(config: LlamaConfig, seed: number): LlamaWeights {
  validateLlamaConfig(config);
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, found ${seed}`);
  const { dim, hiddenDim, nLayers, vocabSize } = config;
  const { kvDim } = llamaDims(config);
  const random = mulberry32(seed);

  // uniform on [-a, a] has standard deviation a / sqrt(3)
  const uniform = (length: number, std: number, mean = 0): Float32Array => {
    const out = new Float32Array(length);
    const a = std * Math.sqrt(3);
    for (let i = 0; i < length; i++) out[i] = mean + a * (2 * random() - 1);
    return out;
  };
  const matrix = (rows: number, cols: number): Float32Array => uniform(rows * cols, 1 / Math.sqrt(cols));
  const norm = (): Float32Array => uniform(dim, 0.1 / Math.sqrt(3), 1);

  const tokenEmbedding = uniform(vocabSize * dim, 1 / Math.sqrt(dim));
  const layers: LlamaLayerWeights[] = [];
  for (let l = 0; l < nLayers; l++) {
    layers.push({
      attnNorm: norm(),
      wq: uniform(dim * dim, 2 / Math.sqrt(dim)),
      wk: uniform(kvDim * dim, 2 / Math.sqrt(dim)),
      wv: matrix(kvDim, dim),
      wo: matrix(dim, dim),
      ffnNorm: norm(),
      w1: matrix(hiddenDim, dim),
      w2: matrix(dim, hiddenDim),
      w3: matrix(hiddenDim, dim),
    });
  }
  const finalNorm = norm();
  const classifier = config.sharedClassifier ? null : matrix(vocabSize, dim);
  return { tokenEmbedding, layers, finalNorm, classifier };
}

