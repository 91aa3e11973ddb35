import type { LlamaConfig } from '../src/models/llama/config.js';

/** A model shape the benchmark measures, with random weights generated from `seed`. */
export interface BenchShape {
  /** Short id used in file names and tables. */
  id: string;
  /** What the shape is named after. */
  label: string;
  config: LlamaConfig;
  seed: number;
}

/**
 * The two shapes the issue names: karpathy's stories15M and stories260K
 * checkpoints, here with random weights (no checkpoint is downloaded).
 */
export const BENCH_SHAPES: readonly BenchShape[] = [
  {
    id: 'stories260K',
    label: 'stories260K shape (dim 64, 5 layers, 8 heads / 4 KV, vocab 512, seq 512)',
    config: { dim: 64, hiddenDim: 172, nLayers: 5, nHeads: 8, nKvHeads: 4, vocabSize: 512, seqLen: 512, sharedClassifier: true },
    seed: 260,
  },
  {
    id: 'stories15M',
    label: 'stories15M shape (dim 288, 6 layers, 6 heads, vocab 32000, seq 256)',
    config: { dim: 288, hiddenDim: 768, nLayers: 6, nHeads: 6, nKvHeads: 6, vocabSize: 32000, seqLen: 256, sharedClassifier: true },
    seed: 15,
  },
];

/** The prompt every engine starts from. */
export const BENCH_PROMPT = 'Once upon a time';
