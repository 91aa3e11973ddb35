import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import type { Token } from 'node-llama-cpp';

/** Options of {@link runLlamaCppPeer}. */
export interface LlamaCppPeerOptions {
  /** Prompt token ids, BOS included if wanted; at least one. */
  promptTokens: number[];
  /** Tokens to generate; exactly this many are generated (EOS does not stop the peer, so runs compare like for like). */
  maxTokens: number;
  /** CPU threads for llama.cpp. The benchmark uses 1, like our interpreter. */
  threads: number;
  /**
   * Element type of llama.cpp's KV cache. Default `'f16'`, llama.cpp's own
   * default and what its users run; `'f32'` (node-llama-cpp marks the option
   * experimental) matches our float32 cache bit for bit in layout, for tight
   * correctness checks.
   */
  kvCacheType?: 'f16' | 'f32';
  /**
   * Also return the logits behind every generated token (one `Float32Array`
   * of `vocabSize` per token). Evaluates one token per call, so timings are
   * not representative; for correctness tests only. Default false.
   */
  logits?: boolean;
}

/** What {@link runLlamaCppPeer} measured. */
export interface LlamaCppPeerResult {
  /** Greedy token ids after the prompt. */
  tokens: number[];
  /** The logits that chose each token, when `logits` was asked for. */
  logits?: Float32Array[];
  /** Wall time from binding load through model load to a ready context, ms. */
  loadMs: number;
  /** The part of `loadMs` spent loading llama.cpp's native binding (`getLlama`), ms. */
  bindingLoadMs: number;
  /** Wall time from starting the prompt to having the first generated token, ms. */
  timeToFirstTokenMs: number;
  /** Decode rate after the first token: `(tokens - 1) / time since the first token`, tokens/s (0 with one token). */
  tokensPerSecond: number;
  /** The context size llama.cpp actually allocated (it may round the request up). */
  contextSize: number;
  /** Threads the context evaluated with, as node-llama-cpp reports them. */
  threadsUsed: number;
}

/**
 * Run a GGUF llama model with node-llama-cpp, the peer a Node user would pick
 * instead of tinyedge, greedily from token ids: no chat wrapper, no
 * tokenizer, no sampling options beyond temperature 0. CPU only with the
 * prebuilt binary that ships in the npm package; it never downloads or builds
 * llama.cpp (a missing binary is an error, not a build).
 *
 * The context holds the model's training context length (`seq_len`), one
 * sequence, flash attention off. Everything it allocates is disposed before
 * it returns.
 *
 * @param ggufPath - a file written by `writeLlamaGguf`
 * @param options - prompt, token count, threads
 * @returns the generated tokens and timings (ms, tokens/s)
 * @throws RangeError for an empty prompt, a non-positive `maxTokens`/`threads`, or more tokens than the context holds
 * @throws Error from node-llama-cpp when the binary or the model cannot be loaded
 *
 * @example
 * ```ts
 * const { tokens, tokensPerSecond } = await runLlamaCppPeer('model.gguf', { promptTokens: [1], maxTokens: 64, threads: 1 });
 * ```
 */
export async function runLlamaCppPeer(ggufPath: string, options: LlamaCppPeerOptions): Promise<LlamaCppPeerResult> {
  const { promptTokens, maxTokens, threads } = options;
  if (promptTokens.length === 0) throw new RangeError('promptTokens must hold at least one token');
  if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new RangeError(`maxTokens must be a positive integer, found ${maxTokens}`);
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, found ${threads}`);

  const started = performance.now();
  const llama = await getLlama({
    gpu: false,
    build: 'never',
    skipDownload: true,
    usePrebuiltBinaries: true,
    progressLogs: false,
    logLevel: LlamaLogLevel.error,
    maxThreads: threads,
  });
  const bindingLoadMs = performance.now() - started;
  try {
    const model = await llama.loadModel({ modelPath: ggufPath, gpuLayers: 0 });
    try {
      // Past the context llama.cpp would shift it silently; our runtime refuses instead, so refuse here too.
      if (promptTokens.length + maxTokens - 1 > model.trainContextSize) {
        throw new RangeError(`prompt (${promptTokens.length}) + maxTokens (${maxTokens}) - 1 exceeds the context of ${model.trainContextSize} tokens`);
      }
      const context = await model.createContext({
        contextSize: model.trainContextSize,
        sequences: 1,
        threads: { ideal: threads, min: threads },
        flashAttention: false,
        failedCreationRemedy: false,
        ...(options.kvCacheType === 'f32' ? { experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32' } : {}),
      });
      try {
        const sequence = context.getSequence();
        const loadMs = performance.now() - started;
        const prompt = promptTokens as Token[];
        const tokens: number[] = [];
        const logits: Float32Array[] = [];
        const t0 = performance.now();
        let tFirst = t0;
        if (options.logits === true) {
          let input: Token[] = prompt;
          while (tokens.length < maxTokens) {
            const items = input.map((t, i) =>
              i === input.length - 1 ? ([t, { generateNext: { token: true, logits: true, options: { temperature: 0 } } }] as const) : t,
            );
            const results = await sequence.controlledEvaluate(items as Parameters<typeof sequence.controlledEvaluate>[0]);
            const next = results[input.length - 1]?.next;
            if (next?.token == null || next.logits === undefined) throw new Error('node-llama-cpp returned no token for the last input');
            if (tokens.length === 0) tFirst = performance.now();
            tokens.push(next.token);
            logits.push(logitsArray(next.logits));
            input = [next.token];
          }
        } else {
          for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
            if (tokens.length === 0) tFirst = performance.now();
            tokens.push(token);
            if (tokens.length >= maxTokens) break;
          }
        }
        const tEnd = performance.now();
        return {
          tokens,
          ...(options.logits === true ? { logits } : {}),
          loadMs,
          bindingLoadMs,
          timeToFirstTokenMs: tFirst - t0,
          tokensPerSecond: tokens.length > 1 ? ((tokens.length - 1) * 1000) / (tEnd - tFirst) : 0,
          contextSize: context.contextSize,
          threadsUsed: context.currentThreads,
        };
      } finally {
        await context.dispose();
      }
    } finally {
      await model.dispose();
    }
  } finally {
    await llama.dispose();
  }
}

/** node-llama-cpp hands logits back as a Map sorted by value; index them by token id. */
function logitsArray(map: Map<Token, number>): Float32Array {
  let size = 0;
  for (const id of map.keys()) size = Math.max(size, id + 1);
  const out = new Float32Array(size);
  for (const [id, v] of map) out[id] = v;
  return out;
}
