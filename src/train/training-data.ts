import { requestPrompt } from '../appliance/assistant.js';
import type { Tokenizer } from '../runtime/tokenizer.js';
import type { CorpusExample } from './read-corpus.js';
import { mixSeed, mulberry32, permutation } from './seeded-random.js';
import type { TokenBatch } from './tfjs-llama.js';

/** One example as token ids: the prompt (BOS, request, newline), then the action and its newline. */
export interface EncodedExample {
  /** All token ids. */
  ids: Int32Array;
  /** Tokens of the prompt; the loss covers `ids[promptLength..]`. */
  promptLength: number;
}

/**
 * Token ids of a request's prompt exactly as the runtime encodes it when the
 * assistant asks for an action: BOS, then `requestPrompt(text)` (white space
 * collapsed, a newline at the end).
 */
export function encodePrompt(tokenizer: Tokenizer, text: string): number[] {
  return tokenizer.encode(requestPrompt(text), { bos: true, eos: false });
}

/**
 * Encode one example as the model is trained on it: {@link encodePrompt},
 * then the action text and the newline that ends it, encoded on their own
 * (as the model generates them after the prompt).
 */
export function encodeExample(tokenizer: Tokenizer, example: Pick<CorpusExample, 'text' | 'actionText'>): EncodedExample {
  const prompt = encodePrompt(tokenizer, example.text);
  const action = tokenizer.encode(`${example.actionText}\n`, { bos: false, eos: false });
  return { ids: Int32Array.from([...prompt, ...action]), promptLength: prompt.length };
}

/**
 * The order examples are seen in: epoch `e` is a permutation of all examples
 * drawn from `(seed, e)`, and step `s` takes examples `s * batchSize ..
 * (s + 1) * batchSize - 1` of the endless sequence of epochs. So the batch of
 * any step follows from the seed and the step alone: a resumed run needs no
 * saved data state beyond the step (checkpoints still record the cursor).
 */
export class DataOrder {
  readonly #size: number;
  readonly #seed: number;
  #epoch = -1;
  #perm: Int32Array = new Int32Array(0);

  /**
   * @param size - number of examples
   * @param seed - the training seed
   * @throws RangeError when `size` is not a positive integer
   */
  constructor(size: number, seed: number) {
    if (!Number.isInteger(size) || size <= 0) throw new RangeError(`the corpus must hold at least one example, found ${size}`);
    this.#size = size;
    this.#seed = seed;
  }

  /** Index of the example at position `cursor` of the endless sequence. */
  at(cursor: number): number {
    const epoch = Math.floor(cursor / this.#size);
    if (epoch !== this.#epoch) {
      this.#perm = permutation(mulberry32(mixSeed(this.#seed, epoch + 1)), this.#size);
      this.#epoch = epoch;
    }
    return this.#perm[cursor % this.#size]!;
  }
}

/**
 * Pack examples into one {@link TokenBatch}: each example contributes its
 * ids minus the last (the inputs), and examples are placed, longest first,
 * into the first row with room (rows hold `rowCapacity` slots, or the longest
 * example when that is longer); the rest of a row is padding. Each example
 * attends only to itself, so packing changes nothing but the padding. The
 * scored slots are those whose next token belongs to the action.
 *
 * @param examples - the batch's examples, each at least `promptLength + 1` long
 * @param padId - any valid token id for the padding (never scored, never attended to)
 * @param rowCapacity - slots per row; 0 (the default) puts each example in a row of its own
 */
export function makeBatch(examples: readonly EncodedExample[], padId: number, rowCapacity = 0): TokenBatch {
  const inputs = examples.map((e) => e.ids.length - 1);
  // capacity 0: no row ever has room for a second example
  const capacity = rowCapacity > 0 ? Math.max(rowCapacity, ...inputs) : 0;
  // first fit, longest first; ties keep the given order, so the packing is deterministic
  const order = examples.map((_, i) => i).sort((a, b) => inputs[b]! - inputs[a]! || a - b);
  const rows: number[][] = [];
  const used: number[] = [];
  for (const i of order) {
    let r = capacity === 0 ? -1 : used.findIndex((u) => u + inputs[i]! <= capacity);
    if (r < 0) {
      r = rows.length;
      rows.push([]);
      used.push(0);
    }
    rows[r]!.push(i);
    used[r]! += inputs[i]!;
  }
  const positions = Math.max(...used);
  const batch = rows.length;
  const tokens = new Int32Array(batch * positions).fill(padId);
  const segmentStart = new Int32Array(batch * positions).fill(-1);
  const position = new Int32Array(batch * positions);
  const lossIndex: number[] = [];
  const targets: number[] = [];
  rows.forEach((members, r) => {
    let at = r * positions;
    for (const i of members) {
      const e = examples[i]!;
      const len = inputs[i]!;
      tokens.set(e.ids.subarray(0, len), at);
      for (let t = 0; t < len; t++) {
        segmentStart[at + t] = at - r * positions;
        position[at + t] = t;
      }
      // slot t predicts ids[t + 1]; the action starts at ids[promptLength]
      for (let t = e.promptLength - 1; t < len; t++) {
        lossIndex.push(at + t);
        targets.push(e.ids[t + 1]!);
      }
      at += len;
    }
  });
  return { batch, positions, tokens, segmentStart, position, lossIndex: Int32Array.from(lossIndex), targets: Int32Array.from(targets) };
}
