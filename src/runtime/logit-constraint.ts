import { TinyEdgeError } from '../errors.js';
import type { ByteGrammar } from './byte-grammar.js';
import { DEAD, GrammarAutomaton } from './grammar-automaton.js';
import type { Tokenizer } from './tokenizer.js';

/** What a state allows: tokens sorted by the distance left after them (then by id). */
interface StateOptions {
  /** Token ids that keep the text inside the language (16 bits when the vocabulary allows: these caches add up). */
  ids: Uint16Array | Int32Array;
  /** The automaton state after each token. */
  next: Int32Array;
  /** Fewest one-byte tokens from `next[i]` to a complete text, ascending (capped at 65535). */
  distance: Uint16Array;
  /** The text so far is complete: EOS may end it here. */
  accepting: boolean;
}

/** {@link ConstraintCursor.choose}: sample from the masked logits. */
export const SAMPLE = -1;
/** {@link ConstraintCursor.choose}: the text is complete and nothing may follow; end without another step. */
export const COMPLETE = -2;

/**
 * A {@link ByteGrammar} applied to one tokenizer's vocabulary: at every state
 * the tokens whose bytes keep the output inside the language, and EOS only
 * where the output is complete. Allowed tokens are computed the first time a
 * state is met, by walking the vocabulary sorted by bytes alongside the
 * automaton (a shared prefix is walked once, a dead first byte prunes all
 * tokens starting with it), then cached.
 *
 * It also keeps the output finishable: a token is allowed only if the tokens
 * still permitted after it (by `maxTokens` and the context) can complete the
 * text, counting one token per byte along the shortest completion.
 *
 * @example
 * ```ts
 * const constraint = new TokenConstraint(grammar, tokenizer);
 * const cursor = constraint.cursor();
 * const choice = cursor.choose(logits, 64); // a forced id, SAMPLE (then read cursor.masked) or COMPLETE
 * ```
 */
export class TokenConstraint {
  /** The grammar's byte automaton, distances counted in this vocabulary's one-byte tokens. */
  readonly automaton: GrammarAutomaton;
  /** Vocabulary size. */
  readonly vocabSize: number;
  /** The EOS id, allowed in complete states. */
  readonly eosId: number;
  readonly #bytes: ReadonlyArray<Uint8Array | null>;
  /** Ids with bytes, sorted by their bytes (a prefix before its extensions). */
  readonly #sorted: Int32Array;
  readonly #options: Array<StateOptions | undefined> = [];

  /**
   * @param grammar - the language to keep to
   * @param tokenizer - the vocabulary; token bytes from `tokenizer.tokenBytes` when it has it, else from its decoder
   * @throws TypeError / RangeError for a bad grammar
   */
  constructor(grammar: ByteGrammar, tokenizer: Tokenizer) {
    this.vocabSize = tokenizer.vocabSize;
    this.eosId = tokenizer.eosId;
    const table = tokenTable(tokenizer);
    this.#bytes = table.bytes;
    this.#sorted = table.sorted;
    this.automaton = new GrammarAutomaton(grammar, table.singles);
  }

  /** The bytes token `id` adds to the text, or null when it never may (BOS, EOS, empty or partial pieces). */
  tokenBytes(id: number): Uint8Array | null {
    return this.#bytes[id] ?? null;
  }

  /** A fresh cursor at the start of the language. */
  cursor(): ConstraintCursor {
    return new ConstraintCursor(this);
  }

  /** Tokens allowed in `state`, computed once. @internal */
  options(state: number): StateOptions {
    const known = this.#options[state];
    if (known !== undefined) return known;
    const found: Array<[number, number, number]> = [];
    this.#visit(0, this.#sorted.length, 0, state, found);
    found.sort((a, b) => a[2] - b[2] || a[0] - b[0]);
    const options: StateOptions = {
      ids: this.vocabSize <= 65536 ? Uint16Array.from(found, (f) => f[0]) : Int32Array.from(found, (f) => f[0]),
      next: Int32Array.from(found, (f) => f[1]),
      distance: Uint16Array.from(found, (f) => Math.min(f[2], 65535)),
      accepting: this.automaton.accepting(state),
    };
    this.#options[state] = options;
    return options;
  }

  /** Tokens `sorted[lo..hi)` share their first `depth` bytes, which lead to `state`. */
  #visit(lo: number, hi: number, depth: number, state: number, found: Array<[number, number, number]>): void {
    const sorted = this.#sorted;
    const bytes = this.#bytes;
    let i = lo;
    if (depth > 0) {
      const d = this.automaton.distance(state);
      for (; i < hi && bytes[sorted[i]!]!.length === depth; i++) if (Number.isFinite(d)) found.push([sorted[i]!, state, d]);
    }
    while (i < hi) {
      const b = bytes[sorted[i]!]![depth]!;
      let j = i + 1;
      while (j < hi && bytes[sorted[j]!]![depth] === b) j++;
      const next = this.automaton.step(state, b);
      if (next !== DEAD) this.#visit(i, j, depth + 1, next, found);
      i = j;
    }
  }
}

/**
 * One constrained generation's place in the language. Call
 * {@link ConstraintCursor.choose} before each sampled token and
 * {@link ConstraintCursor.advance} with the token picked.
 */
export class ConstraintCursor {
  /** The automaton state for the text so far. */
  state: number;
  /** After `choose` returned {@link SAMPLE}: the logits with every disallowed token at `-Infinity`. */
  readonly masked: Float32Array;
  /** The constraint followed. */
  readonly constraint: TokenConstraint;

  /** @param constraint - the constraint to follow */
  constructor(constraint: TokenConstraint) {
    this.constraint = constraint;
    this.state = constraint.automaton.start;
    this.masked = new Float32Array(constraint.vocabSize);
  }

  /** Fewest tokens that surely complete the text from here (one per byte of the shortest completion). */
  get distance(): number {
    return this.constraint.automaton.distance(this.state);
  }

  /** True when the text so far is complete. */
  get accepting(): boolean {
    return this.constraint.automaton.accepting(this.state);
  }

  /**
   * What comes next without looking at logits: {@link COMPLETE}, a forced
   * token id, or {@link SAMPLE} when there is a choice.
   *
   * @param remaining - tokens that may still be generated, this one included (>= 1)
   */
  peek(remaining: number): number {
    const o = this.constraint.options(this.state);
    const n = countWithin(o.distance, remaining - 1);
    if (n === 0) {
      if (o.accepting) return COMPLETE;
      throw new TinyEdgeError('E_INFERENCE', `constrained decoding ran out of room with ${remaining} token(s) left`, 'This is a bug in tinyedge: please report it with the grammar used.');
    }
    return n === 1 && !o.accepting ? o.ids[0]! : SAMPLE;
  }

  /**
   * Decide the next token: {@link COMPLETE}, a forced token id, or
   * {@link SAMPLE} after writing the masked logits into {@link ConstraintCursor.masked}.
   * When no allowed token has a logit above `-Infinity` (all NaN or
   * `-Infinity`), they are all given equal scores, so a broken model still
   * yields a valid text.
   *
   * @param logits - the model's logits for this step (not modified)
   * @param remaining - tokens that may still be generated, this one included (>= 1)
   */
  choose(logits: Float32Array, remaining: number): number {
    const choice = this.peek(remaining);
    if (choice !== SAMPLE) return choice;
    const o = this.constraint.options(this.state);
    const n = countWithin(o.distance, remaining - 1);
    const out = this.masked;
    out.fill(-Infinity);
    let any = false;
    for (let i = 0; i < n; i++) {
      const id = o.ids[i]!;
      const v = logits[id]!;
      out[id] = v;
      if (v > -Infinity) any = true; // false for NaN too
    }
    const eos = this.constraint.eosId;
    if (o.accepting) {
      out[eos] = logits[eos]!;
      if (out[eos]! > -Infinity) any = true;
    }
    if (!any) {
      for (let i = 0; i < n; i++) out[o.ids[i]!] = 0;
      if (o.accepting) out[eos] = 0;
    }
    return SAMPLE;
  }

  /**
   * Move past `token`.
   *
   * @throws RangeError when `token` is not allowed here (a bug in the caller)
   */
  advance(token: number): void {
    const o = this.constraint.options(this.state);
    for (let i = 0; i < o.ids.length; i++) {
      if (o.ids[i] === token) {
        this.state = o.next[i]!;
        return;
      }
    }
    throw new RangeError(`token ${token} is not allowed in constraint state ${this.state}`);
  }
}

/** How many leading entries of the ascending `distance` are <= `limit`. */
function countWithin(distance: Uint16Array, limit: number): number {
  let lo = 0;
  let hi = distance.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (distance[mid]! <= limit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** A vocabulary as constraints see it, made once per tokenizer (grammars change per request, vocabularies do not). */
interface TokenTable {
  /** The bytes each token adds to the text, or null. */
  bytes: ReadonlyArray<Uint8Array | null>;
  /** Ids with bytes, sorted by their bytes (a prefix before its extensions). */
  sorted: Int32Array;
  /** Bytes that have a one-byte token. */
  singles: ReadonlySet<number>;
}

const tables = new WeakMap<Tokenizer, TokenTable>();

function tokenTable(tokenizer: Tokenizer): TokenTable {
  let table = tables.get(tokenizer);
  if (table === undefined) {
    const bytes = tokenByteTable(tokenizer);
    const singles = new Set<number>();
    const ids: number[] = [];
    for (let id = 0; id < bytes.length; id++) {
      const b = bytes[id];
      if (b === null || b === undefined) continue;
      ids.push(id);
      if (b.length === 1) singles.add(b[0]!);
    }
    const sorted = Int32Array.from(ids.sort((x, y) => compareBytes(bytes[x]!, bytes[y]!) || x - y));
    table = { bytes, sorted, singles };
    tables.set(tokenizer, table);
  }
  return table;
}

/**
 * The bytes each token adds to the decoded text, from `tokenizer.tokenBytes`
 * when the tokenizer has it, else from its text decoder (a piece that leaves
 * a character incomplete then counts as unusable). BOS, EOS and pieces
 * without bytes map to null.
 */
function tokenByteTable(tokenizer: Tokenizer): ReadonlyArray<Uint8Array | null> {
  let table: Array<Uint8Array | null>;
  const encoder = new TextEncoder();
  const special = (id: number): boolean => id === tokenizer.bosId || id === tokenizer.eosId;
  const anchor = special(0) ? (special(1) ? 2 : 1) : 0;
  table = Array.from({ length: tokenizer.vocabSize }, (_, id): Uint8Array | null => {
    if (special(id)) return null;
    let bytes: Uint8Array | null;
    if (tokenizer.tokenBytes !== undefined) {
      bytes = tokenizer.tokenBytes(id);
    } else {
      const decoder = tokenizer.createDecoder(anchor);
      const text = decoder.push(id);
      bytes = decoder.holding ? null : encoder.encode(text);
    }
    return bytes === null || bytes.length === 0 ? null : bytes;
  });
  return table;
}

const compiled = new WeakMap<Tokenizer, Map<string, TokenConstraint>>();
/** Grammars kept compiled per tokenizer; the least recently used goes first. */
const MAX_COMPILED = 8;

/**
 * The compiled constraint for `grammar` on `tokenizer`, from the cache when
 * its key is there. Only grammars marked `keep` (the caller reuses the grammar
 * object) enter the cache: one built for a single request (the assistant's
 * names from the request) is compiled, used and dropped while still young,
 * instead of ageing into the old heap and crowding out the shared one.
 *
 * @param tokenizer - the model's tokenizer
 * @param grammar - the grammar
 * @param key - its key from `checkByteGrammar`
 * @param keep - keep it compiled for later generations
 */
export function constraintFor(tokenizer: Tokenizer, grammar: ByteGrammar, key: string, keep = true): TokenConstraint {
  let kept = compiled.get(tokenizer);
  if (kept === undefined) {
    kept = new Map();
    compiled.set(tokenizer, kept);
  }
  const hit = kept.get(key);
  if (hit !== undefined) {
    kept.delete(key);
    kept.set(key, hit);
    return hit;
  }
  const constraint = new TokenConstraint(grammar, tokenizer);
  if (keep) {
    if (kept.size >= MAX_COMPILED) kept.delete(kept.keys().next().value!);
    kept.set(key, constraint);
  }
  return constraint;
}
