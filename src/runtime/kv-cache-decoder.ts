import { performance } from 'node:perf_hooks';
import { TinyEdgeError } from '../errors.js';
import { llamaDims } from '../models/llama/config.js';
import type { LlamaConfig } from '../models/llama/config.js';
import { LOGITS_OUTPUT, POS_INPUT, TOKEN_INPUT, WANT_LOGITS_INPUT, kCacheName, kNewName, vCacheName, vNewName } from '../models/llama/graph-io.js';
import type { ModelRunner, RunnerTensor } from './runner.js';

/**
 * Drives a llama decode-step graph (see `graph-io.ts`): writes the token and
 * position, runs the interpreter, and copies each layer's new key and value
 * into row `pos` of its cache input, in the runner's own input buffers.
 *
 * The runner's buffers are looked up by tensor name once and checked against
 * the hyper-parameters, so a graph built for another shape fails at load
 * time with a message naming the tensor rather than producing garbage.
 *
 * @example
 * ```ts
 * const decoder = new KvCacheDecoder(runner, config);
 * const logits = decoder.step(1, 0); // BOS at position 0
 * ```
 */
export class KvCacheDecoder {
  /** Positions the cache holds. */
  readonly seqLen: number;
  /** Length of the logits vector. */
  readonly vocabSize: number;
  /** Milliseconds spent inside `runner.infer()` since construction or the last {@link KvCacheDecoder.resetTimer}. */
  inferMs = 0;
  readonly #runner: ModelRunner;
  readonly #token: Int32Array;
  readonly #pos: Int32Array;
  /** The graph's `want_logits` input; null for graphs built before it existed, which always compute logits. */
  readonly #wantLogits: Int32Array | null;
  readonly #logits: Float32Array;
  /** Per layer and key/value head: the cache input and that head's row of the new-key/value output. */
  readonly #rows: Array<{ cache: Float32Array; row: Float32Array; headOffset: number }> = [];
  readonly #headSize: number;

  /**
   * @param runner - an interpreter of a graph honouring `graph-io.ts`
   * @param config - the hyper-parameters the graph was built with
   * @throws TinyEdgeError `E_MODEL_FORMAT` naming the first tensor that is missing or has the wrong type or shape
   */
  constructor(runner: ModelRunner, config: LlamaConfig) {
    this.#runner = runner;
    const { nLayers, nKvHeads, seqLen, vocabSize } = config;
    const { headSize } = llamaDims(config);
    this.seqLen = seqLen;
    this.vocabSize = vocabSize;
    this.#headSize = headSize;
    const inputs = byName(runner.getInputs());
    const outputs = byName(runner.getOutputs());
    const tensor = (map: Map<string, RunnerTensor>, name: string, role: string, dtype: string, shape: number[]): RunnerTensor => {
      const t = map.get(name);
      const want = `${dtype} [${shape.join(', ')}]`;
      if (t === undefined) {
        throw formatError(`the model has no ${role} tensor "${name}" (expected ${want}); its ${role}s are ${[...map.keys()].join(', ') || 'none'}`);
      }
      const found = `${t.dataType} [${t.shape.split(',').filter((s) => s !== '').join(', ')}]`;
      if (found !== want) throw formatError(`${role} tensor "${name}" is ${found}, expected ${want}`);
      return t;
    };
    this.#token = tensor(inputs, TOKEN_INPUT, 'input', 'int32', [1]).data() as Int32Array;
    this.#pos = tensor(inputs, POS_INPUT, 'input', 'int32', [1]).data() as Int32Array;
    this.#wantLogits = inputs.has(WANT_LOGITS_INPUT) ? (tensor(inputs, WANT_LOGITS_INPUT, 'input', 'int32', [1]).data() as Int32Array) : null;
    this.#logits = tensor(outputs, LOGITS_OUTPUT, 'output', 'float32', [1, vocabSize]).data() as Float32Array;
    const cacheShape = [nKvHeads, seqLen, headSize];
    const newShape = [nKvHeads, headSize];
    // A graph that keeps its cache in resource variables has no cache inputs
    // or outputs: the interpreter carries the state, and a step is just a step.
    const stateful = !inputs.has(kCacheName(0)) && !outputs.has(kNewName(0));
    for (let l = 0; l < (stateful ? 0 : nLayers); l++) {
      for (const [cacheName, newName] of [[kCacheName(l), kNewName(l)], [vCacheName(l), vNewName(l)]] as const) {
        const cache = tensor(inputs, cacheName, 'input', 'float32', cacheShape).data() as Float32Array;
        const rows = tensor(outputs, newName, 'output', 'float32', newShape).data() as Float32Array;
        // The runner reuses these buffers, so views made once stay valid: no allocation per step.
        for (let h = 0; h < nKvHeads; h++) {
          this.#rows.push({ cache, row: rows.subarray(h * headSize, (h + 1) * headSize), headOffset: h * seqLen * headSize });
        }
      }
    }
  }

  /**
   * Run `token` at `pos` and append its key/value rows to the cache.
   *
   * @param token - token id in `[0, vocabSize)`
   * @param pos - position in `[0, seqLen)`; positions after it are forgotten
   * @param wantLogits - false when this step's logits will not be read (a prompt token before
   *   the last): the graph then skips its classifier and the logits are zeros. Default true.
   * @returns the logits, a view of the runner's output buffer: valid until the next `step`
   * @throws TinyEdgeError `E_INFERENCE` when the interpreter fails
   */
  step(token: number, pos: number, wantLogits = true): Float32Array {
    this.#token[0] = token;
    this.#pos[0] = pos;
    if (this.#wantLogits) this.#wantLogits[0] = wantLogits ? 1 : 0;
    const t0 = performance.now();
    try {
      this.#runner.infer();
    } catch (err) {
      throw new TinyEdgeError('E_INFERENCE', `the interpreter failed at position ${pos}: ${(err as Error).message}`, 'The model file may be damaged or built for another runtime; rebuild the bundle.', { cause: err });
    } finally {
      this.inferMs += performance.now() - t0;
    }
    // Rows are a few floats each: a plain loop beats one TypedArray#set call per row.
    const hs = this.#headSize;
    const at = pos * hs;
    for (const { cache, row, headOffset } of this.#rows) {
      const base = headOffset + at;
      for (let i = 0; i < hs; i++) cache[base + i] = row[i]!;
    }
    return this.#logits;
  }

  /** Zero {@link KvCacheDecoder.inferMs}. */
  resetTimer(): void {
    this.inferMs = 0;
  }

  /**
   * Copy cache rows `0 .. rows-1` of every layer and head into `target`, a
   * decoder of the same model with a context at least `rows` long.
   *
   * @throws RangeError when the two decoders do not hold the same layers and heads (or keep their
   *   caches inside the interpreter), or `rows` exceeds either context
   */
  copyCacheRowsTo(target: KvCacheDecoder, rows: number): void {
    if (this.#rows.length === 0 || target.#rows.length !== this.#rows.length || target.#headSize !== this.#headSize) {
      throw new RangeError('copyCacheRowsTo: the target decoder runs a model of another shape');
    }
    if (!Number.isInteger(rows) || rows < 0 || rows > this.seqLen || rows > target.seqLen) {
      throw new RangeError(`copyCacheRowsTo: rows must be an integer in [0, ${Math.min(this.seqLen, target.seqLen)}], found ${rows}`);
    }
    const n = rows * this.#headSize;
    this.#rows.forEach(({ cache, headOffset }, i) => {
      const to = target.#rows[i]!;
      to.cache.set(cache.subarray(headOffset, headOffset + n), to.headOffset);
    });
  }
}

function byName(tensors: RunnerTensor[]): Map<string, RunnerTensor> {
  return new Map(tensors.map((t) => [t.name, t]));
}

function formatError(message: string): TinyEdgeError {
  return new TinyEdgeError('E_MODEL_FORMAT', message, 'The model does not match its manifest: rebuild the bundle with `tinyedge convert`.');
}
