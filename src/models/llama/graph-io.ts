/**
 * The input/output contract of a llama decode-step graph, shared by the graph
 * builder and the runtime's KV-cache loop.
 *
 * One `infer()` runs one token at one position:
 *
 * - inputs: `token` int32 `[1]`, `pos` int32 `[1]`, `want_logits` int32 `[1]`
 *   (0 when the caller needs no logits for this token, e.g. a prompt token
 *   before the last: the classifier is skipped and `logits` holds zeros),
 *   then for every layer `l`
 *   `k_cache_l` and `v_cache_l`, float32 `[nKvHeads, seqLen, headSize]`
 *   holding the keys and values of positions `0 .. pos-1` (rows at `pos` and
 *   beyond are ignored by the graph's mask);
 * - outputs: `logits` float32 `[1, vocabSize]`, then for every layer `k_new_l`
 *   and `v_new_l`, float32 `[nKvHeads, headSize]`: this position's key and
 *   value, which the caller writes into row `pos` of the cache inputs.
 *
 * A graph may instead keep its cache in TFLite resource variables (built
 * with `kvCache: 'variables'`): it then has only `token`, `pos` and
 * `want_logits` as inputs and `logits` as output, and the interpreter carries
 * the state from step to step.
 *
 * The cache lives in the runner's own input buffers and is written back in
 * place, one row per layer per token, so nothing of size `seqLen` crosses the
 * JS boundary per step except the binding's own input copy.
 */

/** Name of the token input tensor. */
export const TOKEN_INPUT = 'token';
/** Name of the position input tensor. */
export const POS_INPUT = 'pos';
/** Name of the input that says whether this step's logits are needed (int32, 0 = no). */
export const WANT_LOGITS_INPUT = 'want_logits';
/** Name of the logits output tensor. */
export const LOGITS_OUTPUT = 'logits';

/** Name of layer `l`'s key-cache input. */
export const kCacheName = (l: number): string => `k_cache_${l}`;
/** Name of layer `l`'s value-cache input. */
export const vCacheName = (l: number): string => `v_cache_${l}`;
/** Name of layer `l`'s new-key output. */
export const kNewName = (l: number): string => `k_new_${l}`;
/** Name of layer `l`'s new-value output. */
export const vNewName = (l: number): string => `v_new_${l}`;
