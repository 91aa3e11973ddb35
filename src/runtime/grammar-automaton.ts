import type { ByteGrammar } from './byte-grammar.js';
import { checkByteGrammar } from './byte-grammar.js';
import { buildGrammarNfa, hasByte } from './grammar-nfa.js';
import type { ByteNfa } from './grammar-nfa.js';

/** The dead state: no continuation of the bytes read so far is in the language. */
export const DEAD = -1;
const UNKNOWN = -2;

/**
 * A deterministic automaton over bytes for a {@link ByteGrammar}, built
 * lazily: the grammar becomes a Thompson NFA at once, and DFA states (sets
 * of NFA states) are made the first time a byte leads to them, then cached.
 * Only NFA states from which the end can still be reached are kept, so every
 * live DFA state has a way to finish.
 *
 * Distances count the fewest bytes from a state to acceptance. They may be
 * restricted to `usableBytes` (bytes the tokenizer has a one-byte token for),
 * so a distance is then also a number of tokens that surely suffices.
 *
 * @example
 * ```ts
 * const automaton = new GrammarAutomaton(grammar);
 * const s = automaton.walk(automaton.start, new TextEncoder().encode('{"intent":'));
 * if (s !== DEAD) console.log(automaton.distance(s), 'bytes to go at least');
 * ```
 */
export class GrammarAutomaton {
  /** The start state. */
  readonly start: number;
  readonly #nfa: ByteNfa;
  readonly #accept: number;
  /** Fewest usable bytes from each NFA state to the accept state; Infinity when none. */
  #nfaDistance = new Float64Array(0);
  /** Whether each NFA state can reach acceptance at all (any byte). */
  #nfaLive = new Uint8Array(0);
  /** The bytes distances may use. */
  readonly #usable = new Uint32Array(8).fill(0xffffffff);
  // DFA: per state, its NFA members, accepting flag, distance, and lazily filled transitions.
  readonly #members: Int32Array[] = [];
  readonly #accepting: boolean[] = [];
  readonly #distance: number[] = [];
  readonly #next: Int32Array[] = [];
  readonly #ids = new Map<string, number>();
  #stamp = new Int32Array(0);
  #stampNow = 0;
  readonly #byteMasks = new Int32Array(256);

  /**
   * @param grammar - the grammar; checked with `checkByteGrammar`
   * @param usableBytes - bytes the distance may use (default: all 256)
   * @throws TypeError / RangeError from `checkByteGrammar`
   * @throws RangeError when the grammar's language is empty
   */
  constructor(grammar: ByteGrammar, usableBytes?: ReadonlySet<number>) {
    checkByteGrammar(grammar);
    const { nfa, entry, accept } = buildGrammarNfa(grammar);
    this.#nfa = nfa;
    this.#accept = accept;
    this.#computeDistances(usableBytes);
    this.#stamp = new Int32Array(nfa.size);
    if (this.#nfaLive[entry] === 0) throw new RangeError('the grammar accepts no text at all');
    this.start = this.#dfaState(this.#closure([entry]));
  }

  /** Number of DFA states made so far (grows as new bytes are read). */
  get stateCount(): number {
    return this.#members.length;
  }

  /** True when the bytes that led to `state` form a complete text of the language. */
  accepting(state: number): boolean {
    return this.#accepting[state] === true;
  }

  /**
   * Fewest bytes (restricted to the usable ones) from `state` to a complete
   * text; `Infinity` when it cannot finish with usable bytes alone.
   */
  distance(state: number): number {
    return this.#distance[state] ?? Infinity;
  }

  /** True when `state` may read more bytes (a complete text may still go on). */
  canContinue(state: number): boolean {
    const members = this.#members[state];
    if (members === undefined) return false;
    for (const m of members) if (this.#nfa.hasEdges(m)) return true;
    return false;
  }

  /** The state after reading `byte` in `state`, or {@link DEAD}. */
  step(state: number, byte: number): number {
    const row = this.#next[state]!;
    if (row[0] === UNKNOWN) this.#expand(state, row);
    return row[byte]!;
  }

  /**
   * Fill a state's whole row at once: bytes that lie on the same set of the
   * members' edges have the same targets, so each such group costs one
   * closure (all the letters of a name, say, share one).
   */
  #expand(state: number, row: Int32Array): void {
    const sets: Uint32Array[] = [];
    const targets: number[] = [];
    const nfa = this.#nfa;
    for (const m of this.#members[state]!) {
      for (let e = nfa.edgeStart[m]!; e < nfa.edgeStart[m + 1]!; e++) {
        sets.push(nfa.edgeSet[e]!);
        targets.push(nfa.edgeTarget[e]!);
      }
    }
    // Which edges each byte lies on, as a bit mask (up to 32 edges) or a list key beyond.
    const wide = sets.length > 32;
    const masks = this.#byteMasks.fill(0);
    const lists: string[] = wide ? new Array<string>(256).fill('') : [];
    for (let e = 0; e < sets.length; e++) {
      const set = sets[e]!;
      for (let w = 0; w < 8; w++) {
        let bits = set[w]!;
        while (bits !== 0) {
          const low = bits & -bits;
          const b = w * 32 + 31 - Math.clz32(low);
          if (wide) lists[b] += `${e},`;
          else masks[b]! |= 1 << e;
          bits ^= low;
        }
      }
    }
    const groups = new Map<number | string, number>();
    for (let b = 0; b < 256; b++) {
      const key = wide ? lists[b]! : masks[b]!;
      if (key === 0 || key === '') {
        row[b] = DEAD;
        continue;
      }
      let next = groups.get(key);
      if (next === undefined) {
        const seeds: number[] = [];
        for (let e = 0; e < sets.length; e++) if ((sets[e]![b >>> 5]! & (1 << (b & 31))) !== 0) seeds.push(targets[e]!);
        next = this.#dfaState(this.#closure(seeds));
        groups.set(key, next);
      }
      row[b] = next;
    }
  }

  /** The state after reading every byte of `bytes` from `state`, or {@link DEAD}. */
  walk(state: number, bytes: ArrayLike<number>): number {
    let s = state;
    for (let i = 0; i < bytes.length && s !== DEAD; i++) s = this.step(s, bytes[i]!);
    return s;
  }

  /**
   * The shortest bytes (usable ones only) that take `state` to a complete
   * text; empty when it is already complete.
   *
   * @throws RangeError when `state` cannot finish with usable bytes
   */
  shortestCompletion(state: number): Uint8Array {
    const out: number[] = [];
    let s = state;
    while (!this.accepting(s)) {
      const d = this.distance(s);
      if (!Number.isFinite(d)) throw new RangeError(`state ${s} cannot reach the end of the grammar`);
      let found = DEAD;
      for (let b = 0; b < 256 && found === DEAD; b++) {
        if (!hasByte(this.#usable, b)) continue;
        const t = this.step(s, b);
        if (t !== DEAD && this.distance(t) === d - 1) {
          found = t;
          out.push(b);
        }
      }
      if (found === DEAD) throw new RangeError(`no byte shortens the way to the end from state ${s}`);
      s = found;
    }
    return Uint8Array.from(out);
  }

  /** 0-1 BFS backwards from the accept state: epsilon edges cost 0, usable byte edges 1. */
  #computeDistances(usable: ReadonlySet<number> | undefined): void {
    const { epsStart, epsTarget, edgeStart, edgeSet, edgeTarget } = this.#nfa;
    const n = this.#nfa.size;
    const usableSet = this.#usable;
    if (usable !== undefined) {
      usableSet.fill(0);
      for (const b of usable) usableSet[b >>> 5]! |= 1 << (b & 31);
    }
    // Reverse edges in flat arrays (CSR): source, and cost 0 (epsilon), 1 (usable byte) or 2 (unusable byte).
    const counts = new Int32Array(n + 1);
    for (const t of epsTarget) counts[t + 1]!++;
    for (const t of edgeTarget) counts[t + 1]!++;
    for (let i = 0; i < n; i++) counts[i + 1]! += counts[i]!;
    const fill = counts.slice(0, n);
    const from = new Int32Array(counts[n]!);
    const cost = new Uint8Array(counts[n]!);
    const usableOf = new Map<Uint32Array, boolean>();
    for (let s = 0; s < n; s++) {
      for (let i = epsStart[s]!; i < epsStart[s + 1]!; i++) from[fill[epsTarget[i]!]!++] = s;
      for (let e = edgeStart[s]!; e < edgeStart[s + 1]!; e++) {
        const set = edgeSet[e]!;
        let ok = usableOf.get(set);
        if (ok === undefined) {
          ok = false;
          for (let w = 0; w < 8; w++) if ((set[w]! & usableSet[w]!) !== 0) ok = true;
          usableOf.set(set, ok);
        }
        const i = fill[edgeTarget[e]!]!++;
        from[i] = s;
        cost[i] = ok ? 1 : 2;
      }
    }
    // Liveness with any byte: plain reachability backwards.
    const live = new Uint8Array(n);
    const stack = [this.#accept];
    live[this.#accept] = 1;
    while (stack.length > 0) {
      const t = stack.pop()!;
      for (let i = counts[t]!; i < counts[t + 1]!; i++) {
        const s = from[i]!;
        if (live[s] === 0) {
          live[s] = 1;
          stack.push(s);
        }
      }
    }
    // 0-1 BFS: states reached by epsilon are settled before the queue moves on.
    const distance = new Float64Array(n).fill(Infinity);
    distance[this.#accept] = 0;
    const queue = [this.#accept];
    for (let head = 0; head < queue.length; head++) {
      const zeros = [queue[head]!];
      while (zeros.length > 0) {
        const u = zeros.pop()!;
        const du = distance[u]!;
        for (let i = counts[u]!; i < counts[u + 1]!; i++) {
          const c = cost[i]!;
          if (c === 2) continue;
          const s = from[i]!;
          if (du + c < distance[s]!) {
            distance[s] = du + c;
            if (c === 0) zeros.push(s);
            else queue.push(s);
          }
        }
      }
    }
    this.#nfaDistance = distance;
    this.#nfaLive = live;
  }

  /** Epsilon closure of `seeds`, keeping only states that can still reach acceptance. */
  #closure(seeds: number[]): Int32Array {
    // A stamp per NFA state instead of a Set: closures are the hot path of building states.
    if (++this.#stampNow === 0x7fffffff) {
      this.#stamp.fill(0);
      this.#stampNow = 1;
    }
    const now = this.#stampNow;
    const stamp = this.#stamp;
    const { epsStart, epsTarget } = this.#nfa;
    const stack = seeds.slice();
    const kept: number[] = [];
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (stamp[s] === now) continue;
      stamp[s] = now;
      // Pure epsilon hubs carry no information once closed over; dropping them keeps keys short.
      if (this.#nfaLive[s] === 1 && (s === this.#accept || this.#nfa.hasEdges(s))) kept.push(s);
      for (let i = epsStart[s]!; i < epsStart[s + 1]!; i++) if (stamp[epsTarget[i]!] !== now) stack.push(epsTarget[i]!);
    }
    return Int32Array.from(kept.sort((a, b) => a - b));
  }

  #dfaState(members: Int32Array): number {
    if (members.length === 0) return DEAD;
    const key = members.join(',');
    const known = this.#ids.get(key);
    if (known !== undefined) return known;
    const id = this.#members.length;
    let accepting = false;
    let distance = Infinity;
    for (const m of members) {
      if (m === this.#accept) accepting = true;
      if (this.#nfaDistance[m]! < distance) distance = this.#nfaDistance[m]!;
    }
    this.#members.push(members);
    this.#accepting.push(accepting);
    this.#distance.push(distance);
    this.#next.push(new Int32Array(256).fill(UNKNOWN));
    this.#ids.set(key, id);
    return id;
  }
}
