import { llamaDims, validateLlamaConfig } from '../models/llama/config.js';
import type { LlamaConfig, LlamaWeights } from '../models/llama/config.js';
import { LOGITS_OUTPUT, POS_INPUT, TOKEN_INPUT, WANT_LOGITS_INPUT, kCacheName, kNewName, vCacheName, vNewName } from '../models/llama/graph-io.js';
import { LlamaReference } from '../models/llama/llama-reference.js';
import type { ModelRunner, RunnerTensor } from '../runtime/runner.js';

/**
 * A {@link ModelRunner} with exactly the inputs and outputs of a llama
 * decode-step graph (`graph-io.ts`), computed in plain TypeScript by
 * `LlamaReference`, so logits match the real graph's within float rounding.
 *
 * The reference keeps its own key/value cache, so the fake cannot output real
 * keys and values. Instead `k_new_l`/`v_new_l` hold a fingerprint of
 * (token, position, layer, head), and every `infer()` reads the token history
 * back out of the cache inputs, rows `0 .. pos-1`:
 *
 * - a row that does not hold the fingerprint this runner emitted for that
 *   position (the caller forgot to write `k_new` back, wrote it to the wrong
 *   row or head, or swapped k and v) makes `infer()` throw a `RangeError`
 *   that names the tensor, head and row;
 * - the logits are those of the sequence the cache describes: when it differs
 *   from the last one run (another prompt, a restored cache), the reference
 *   is rewound and replayed, as the real graph would simply attend to it.
 *
 * Rows at `pos` and beyond are ignored, as the real graph's mask does.
 *
 * @example
 * ```ts
 * const runner = new FakeLlamaRunner(config, randomLlamaWeights(config, 7));
 * const inputs = new Map(runner.getInputs().map((t) => [t.name, t]));
 * inputs.get('token')!.data()[0] = 1;
 * runner.infer();
 * ```
 */
export class FakeLlamaRunner implements ModelRunner {
  /** The hyper-parameters of the graph this runner stands in for. */
  readonly config: LlamaConfig;
  /** Number of `infer()` calls so far. */
  inferCount = 0;
  readonly #reference: LlamaReference;
  readonly #inputs: RunnerTensor[];
  readonly #outputs: RunnerTensor[];
  readonly #token = new Int32Array(1);
  readonly #pos = new Int32Array(1);
  readonly #logits: Float32Array;
  readonly #wantLogits = Int32Array.of(1);
  readonly #kCache: Float32Array[] = [];
  readonly #vCache: Float32Array[] = [];
  readonly #kNew: Float32Array[] = [];
  readonly #vNew: Float32Array[] = [];
  /** Tokens the reference has run, by position. */
  readonly #history: number[] = [];
  readonly #headSize: number;

  /**
   * @param config - hyper-parameters
   * @param weights - float32 weights matching `config` (kept by reference)
   * @throws RangeError / TypeError when the config or weights are invalid
   */
  constructor(config: LlamaConfig, weights: LlamaWeights) {
    validateLlamaConfig(config);
    this.config = config;
    this.#reference = new LlamaReference(config, weights);
    const { headSize } = llamaDims(config);
    this.#headSize = headSize;
    const { nLayers, nKvHeads, seqLen, vocabSize } = config;
    this.#logits = new Float32Array(vocabSize);
    const inputs: Array<[string, string, number[], RunnerTensor['data'] extends () => infer D ? D : never]> = [
      [TOKEN_INPUT, 'int32', [1], this.#token],
      [POS_INPUT, 'int32', [1], this.#pos],
      [WANT_LOGITS_INPUT, 'int32', [1], this.#wantLogits],
    ];
    const outputs: typeof inputs = [[LOGITS_OUTPUT, 'float32', [1, vocabSize], this.#logits]];
    for (let l = 0; l < nLayers; l++) {
      const k = new Float32Array(nKvHeads * seqLen * headSize);
      const v = new Float32Array(nKvHeads * seqLen * headSize);
      const kn = new Float32Array(nKvHeads * headSize);
      const vn = new Float32Array(nKvHeads * headSize);
      this.#kCache.push(k);
      this.#vCache.push(v);
      this.#kNew.push(kn);
      this.#vNew.push(vn);
      inputs.push([kCacheName(l), 'float32', [nKvHeads, seqLen, headSize], k], [vCacheName(l), 'float32', [nKvHeads, seqLen, headSize], v]);
      outputs.push([kNewName(l), 'float32', [nKvHeads, headSize], kn], [vNewName(l), 'float32', [nKvHeads, headSize], vn]);
    }
    const tensor = ([name, dataType, shape, data]: (typeof inputs)[number], id: number): RunnerTensor =>
      Object.freeze({ id, name, dataType, shape: shape.join(','), data: () => data });
    this.#inputs = inputs.map(tensor);
    this.#outputs = outputs.map(tensor);
  }

  /** The input tensors: `token`, `pos`, `want_logits`, then `k_cache_l`, `v_cache_l` per layer. */
  getInputs(): RunnerTensor[] {
    return [...this.#inputs];
  }

  /** The output tensors: `logits`, then `k_new_l`, `v_new_l` per layer. */
  getOutputs(): RunnerTensor[] {
    return [...this.#outputs];
  }

  /**
   * Run one decode step from the current input buffers.
   *
   * @returns true
   * @throws RangeError when `token` or `pos` is out of range, or a cache row below `pos` was not written back as the contract requires
   */
  infer(): boolean {
    const { seqLen, vocabSize, nLayers, nKvHeads } = this.config;
    const token = this.#token[0]!;
    const pos = this.#pos[0]!;
    if (pos < 0 || pos >= seqLen) throw new RangeError(`FakeLlamaRunner: input "pos" must be in [0, ${seqLen}), found ${pos}`);
    if (token < 0 || token >= vocabSize) throw new RangeError(`FakeLlamaRunner: input "token" must be in [0, ${vocabSize}), found ${token}`);
    const history = this.#readHistory(pos);
    // Replay from the first position where the cache tells another story than the reference's.
    let from = 0;
    while (from < pos && from < this.#history.length && this.#history[from] === history[from]) from++;
    for (let p = from; p < pos; p++) this.#reference.forward(history[p]!, p);
    this.#history.length = pos;
    for (let p = from; p < pos; p++) this.#history[p] = history[p]!;
    const logits = this.#reference.forward(token, pos);
    // As the real graph: no classifier when the caller said it needs no logits.
    if (this.#wantLogits[0]! > 0) this.#logits.set(logits);
    else this.#logits.fill(0);
    this.#history.push(token);
    for (let l = 0; l < nLayers; l++) {
      for (let h = 0; h < nKvHeads; h++) {
        for (let i = 0; i < this.#headSize; i++) {
          this.#kNew[l]![h * this.#headSize + i] = fingerprint('k', token, pos, l, h, i);
          this.#vNew[l]![h * this.#headSize + i] = fingerprint('v', token, pos, l, h, i);
        }
      }
    }
    this.inferCount++;
    return true;
  }

  /** Token ids at positions `0 .. pos-1` as the cache inputs record them; throws on any row that was not written back. */
  #readHistory(pos: number): number[] {
    const { seqLen, nLayers, nKvHeads } = this.config;
    const hs = this.#headSize;
    const history: number[] = [];
    for (let p = 0; p < pos; p++) {
      const token = this.#kCache[0]![p * hs]!;
      if (!Number.isInteger(token) || token < 0 || token >= this.config.vocabSize) {
        throw new RangeError(
          `FakeLlamaRunner: ${kCacheName(0)} head 0 row ${p} does not hold the ${kNewName(0)} output of position ${p}; ` +
            'copy each new key/value row into row `pos` of its cache input before the next infer()',
        );
      }
      for (let l = 0; l < nLayers; l++) {
        for (let h = 0; h < nKvHeads; h++) {
          const row = (h * seqLen + p) * hs;
          for (let i = 0; i < hs; i++) {
            for (const [kind, cache, name] of [['k', this.#kCache[l]!, kCacheName(l)], ['v', this.#vCache[l]!, vCacheName(l)]] as const) {
              if (cache[row + i] !== fingerprint(kind, token, p, l, h, i)) {
                throw new RangeError(
                  `FakeLlamaRunner: ${name} head ${h} row ${p} does not hold the ${kind === 'k' ? kNewName(l) : vNewName(l)} output of position ${p}; ` +
                    'copy each new key/value row into row `pos` of its cache input before the next infer()',
                );
              }
            }
          }
        }
      }
      history.push(token);
    }
    return history;
  }
}

/**
 * The value a fake key/value element carries: token and position in the first
 * two slots (negated and offset for values, so k and v never agree), then a
 * salt unique to layer, head and slot. Integers are exact in float32.
 */
function fingerprint(kind: 'k' | 'v', token: number, pos: number, layer: number, head: number, i: number): number {
  if (i === 0) return kind === 'k' ? token : -1 - token;
  if (i === 1) return kind === 'k' ? pos : -1 - pos;
  return Math.fround((kind === 'k' ? 0.25 : 0.75) + layer * 1000 + head * 100 + i);
}
