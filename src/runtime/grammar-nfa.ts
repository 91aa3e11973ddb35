import type { ByteGrammar, GrammarNode } from './byte-grammar.js';

/** A set of bytes as 8 words of 32 bits. */
export type ByteSet = Uint32Array;

/** True when `set` holds byte `b`. */
export const hasByte = (set: ByteSet, b: number): boolean => (set[b >>> 5]! & (1 << (b & 31))) !== 0;

/** UTF-8 continuation bytes, 0x80..0xBF: they never start a character. */
const CONTINUATION = (() => {
  const set = new Uint32Array(8);
  for (let b = 0x80; b <= 0xbf; b++) set[b >>> 5]! |= 1 << (b & 31);
  return set;
})();

/** One shared set per single byte: text edges are the most common by far. */
const SINGLE_BYTES: readonly ByteSet[] = Array.from({ length: 256 }, (_, b) => {
  const set = new Uint32Array(8);
  set[b >>> 5] = 1 << (b & 31);
  return set;
});

/**
 * A Thompson NFA over bytes: each state has epsilon successors and byte
 * edges (a byte set and a target). Built from a {@link ByteGrammar} by
 * {@link buildGrammarNfa}; internal to the grammar automaton.
 *
 * Edges are collected in flat lists while building and then frozen into
 * compressed rows (CSR): state `s`'s epsilon successors are
 * `epsTarget[epsStart[s] .. epsStart[s + 1])`, its byte edges
 * `edgeSet[i]`/`edgeTarget[i]` for `i` in `edgeStart[s] .. edgeStart[s + 1]`.
 * A grammar is compiled per request at times, so a few flat arrays instead
 * of three small arrays per state matter (about a tenth of the memory).
 */
export class ByteNfa {
  #size = 0;
  #epsFrom: number[] = [];
  #epsTo: number[] = [];
  #edgeFrom: number[] = [];
  #edgeTo: number[] = [];
  #edgeSets: ByteSet[] = [];
  /** Row starts of the epsilon edges (size + 1 entries); filled by {@link ByteNfa.freeze}. */
  epsStart: Int32Array = new Int32Array(1);
  /** Epsilon targets, by source state. */
  epsTarget: Int32Array = new Int32Array(0);
  /** Row starts of the byte edges (size + 1 entries). */
  edgeStart: Int32Array = new Int32Array(1);
  /** Byte set of each byte edge, by source state (shared objects). */
  edgeSet: ByteSet[] = [];
  /** Target of each byte edge, parallel to `edgeSet`. */
  edgeTarget: Int32Array = new Int32Array(0);

  /** Number of states. */
  get size(): number {
    return this.#size;
  }

  /** Add a state; returns its id. */
  newState(): number {
    return this.#size++;
  }

  /** Add an epsilon edge. */
  addEps(from: number, to: number): void {
    this.#epsFrom.push(from);
    this.#epsTo.push(to);
  }

  /** Add a byte edge. */
  edge(from: number, set: ByteSet, to: number): void {
    this.#edgeFrom.push(from);
    this.#edgeSets.push(set);
    this.#edgeTo.push(to);
  }

  /** Build the compressed rows from the edges added so far (edge order within a state is kept). */
  freeze(): this {
    const n = this.#size;
    const rows = (from: number[]): { start: Int32Array; order: Int32Array } => {
      const start = new Int32Array(n + 1);
      for (const f of from) start[f + 1]!++;
      for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
      const fill = start.slice(0, n);
      const order = new Int32Array(from.length);
      for (let i = 0; i < from.length; i++) order[fill[from[i]!]!++] = i;
      return { start, order };
    };
    const eps = rows(this.#epsFrom);
    this.epsStart = eps.start;
    this.epsTarget = Int32Array.from(eps.order, (i) => this.#epsTo[i]!);
    const edges = rows(this.#edgeFrom);
    this.edgeStart = edges.start;
    this.edgeSet = Array.from(edges.order, (i) => this.#edgeSets[i]!);
    this.edgeTarget = Int32Array.from(edges.order, (i) => this.#edgeTo[i]!);
    this.#epsFrom = [];
    this.#epsTo = [];
    this.#edgeFrom = [];
    this.#edgeTo = [];
    this.#edgeSets = [];
    return this;
  }

  /** True when state `s` has byte edges (frozen NFA). */
  hasEdges(s: number): boolean {
    return this.edgeStart[s + 1]! > this.edgeStart[s]!;
  }

  /**
   * Add states for `node` after `entry`.
   *
   * @returns the state reached once `node` is read
   */
  emit(node: GrammarNode, entry: number, grammar: ByteGrammar): number {
    switch (node.type) {
      case 'text': {
        let cur = entry;
        for (const b of Buffer.from(node.text, 'utf8')) {
          const next = this.newState();
          this.edge(cur, SINGLE_BYTES[b]!, next);
          cur = next;
        }
        return cur;
      }
      case 'byte': {
        const set = new Uint32Array(8);
        for (const [low, high] of node.ranges) for (let b = low; b <= high; b++) set[b >>> 5]! |= 1 << (b & 31);
        const next = this.newState();
        this.edge(entry, set, next);
        return next;
      }
      case 'seq': {
        let cur = entry;
        for (const item of node.items) cur = this.emit(item, cur, grammar);
        return cur;
      }
      case 'alt': {
        const exit = this.newState();
        for (const item of node.items) {
          const branch = this.newState();
          this.addEps(entry, branch);
          this.addEps(this.emit(item, branch, grammar), exit);
        }
        return exit;
      }
      case 'repeat': {
        let cur = entry;
        for (let i = 0; i < node.min; i++) cur = this.#fresh(this.emit(node.item, cur, grammar));
        if (node.max === undefined) {
          const loop = this.newState();
          this.addEps(cur, loop);
          this.addEps(this.emit(node.item, loop, grammar), loop);
          return this.#fresh(loop);
        }
        const exit = this.newState();
        for (let i = node.min; i < node.max; i++) {
          this.addEps(cur, exit);
          cur = this.#fresh(this.emit(node.item, cur, grammar));
        }
        this.addEps(cur, exit);
        return exit;
      }
      case 'maxChars':
        return this.#emitMaxChars(node.item, node.max, entry, grammar);
      case 'rule':
        return this.emit(grammar.rules[node.name]!, entry, grammar);
    }
  }

  /** A new state reached from `state` by epsilon, so later edges never leave from inside a loop. */
  #fresh(state: number): number {
    const next = this.newState();
    this.addEps(state, next);
    return next;
  }

  /**
   * `item` with a character counter: its NFA is built apart, then copied
   * once per count 0..max (only the copies reachable are made). Bytes that
   * start a character move to the next count's copy; continuation bytes stay.
   */
  #emitMaxChars(item: GrammarNode, max: number, entry: number, grammar: ByteGrammar): number {
    const built = new ByteNfa();
    const builtEntry = built.newState();
    const builtExit = built.emit(item, builtEntry, grammar);
    built.freeze();
    // Copied up to max + 1 times, the item's NFA is worth shrinking first: drop its epsilon edges.
    const { nfa: sub, entry: subEntry, exit: subExit } = withoutEpsilons(built, builtEntry, builtExit);
    const exit = this.newState();
    const ids = new Int32Array(sub.size * (max + 1)).fill(-1);
    const queue: number[] = [];
    const idOf = (s: number, k: number): number => {
      const key = k * sub.size + s;
      let id = ids[key]!;
      if (id < 0) {
        id = this.newState();
        ids[key] = id;
        queue.push(key);
      }
      return id;
    };
    // Each set split once into the bytes that continue a character and those that start one.
    const splits = new Map<ByteSet, [ByteSet | null, ByteSet | null]>();
    const split = (set: ByteSet): [ByteSet | null, ByteSet | null] => {
      let parts = splits.get(set);
      if (parts === undefined) {
        const cont = new Uint32Array(8);
        const lead = new Uint32Array(8);
        for (let w = 0; w < 8; w++) {
          cont[w] = set[w]! & CONTINUATION[w]!;
          lead[w] = set[w]! & ~CONTINUATION[w]!;
        }
        parts = [cont.some((w) => w !== 0) ? cont : null, lead.some((w) => w !== 0) ? lead : null];
        splits.set(set, parts);
      }
      return parts;
    };
    this.addEps(entry, idOf(subEntry, 0));
    for (let q = 0; q < queue.length; q++) {
      const key = queue[q]!;
      const s = key % sub.size;
      const k = (key - s) / sub.size;
      const here = ids[key]!;
      if (s === subExit) this.addEps(here, exit);
      for (let i = sub.epsStart[s]!; i < sub.epsStart[s + 1]!; i++) this.addEps(here, idOf(sub.epsTarget[i]!, k));
      for (let e = sub.edgeStart[s]!; e < sub.edgeStart[s + 1]!; e++) {
        const [cont, lead] = split(sub.edgeSet[e]!);
        const target = sub.edgeTarget[e]!;
        if (cont !== null) this.edge(here, cont, idOf(target, k));
        if (lead !== null && k < max) this.edge(here, lead, idOf(target, k + 1));
      }
    }
    return exit;
  }
}

/**
 * An equivalent NFA without epsilon edges. Its states stand for epsilon
 * closures of the entry and of byte-edge targets, merged when two closures
 * hold the same states with byte edges (and both or neither the exit), so
 * equivalent positions stay one state. A new exit is reached by epsilon from
 * every state whose closure holds the old exit (the only epsilon edges left).
 */
function withoutEpsilons(nfa: ByteNfa, entry: number, exit: number): { nfa: ByteNfa; entry: number; exit: number } {
  const out = new ByteNfa();
  const byKey = new Map<string, number>();
  const pending: Array<[number, number[]]> = [];
  const closureOf = (s: number): number[] => {
    const seen = new Set<number>([s]);
    const stack = [s];
    while (stack.length > 0) {
      const u = stack.pop()!;
      for (let i = nfa.epsStart[u]!; i < nfa.epsStart[u + 1]!; i++) {
        const t = nfa.epsTarget[i]!;
        if (!seen.has(t)) {
          seen.add(t);
          stack.push(t);
        }
      }
    }
    return [...seen].filter((u) => u === exit || nfa.hasEdges(u)).sort((a, b) => a - b);
  };
  const idOf = (s: number): number => {
    const members = closureOf(s);
    const key = members.join(',');
    let id = byKey.get(key);
    if (id === undefined) {
      id = out.newState();
      byKey.set(key, id);
      pending.push([id, members]);
    }
    return id;
  };
  const newEntry = idOf(entry);
  const newExit = out.newState();
  for (let i = 0; i < pending.length; i++) {
    const [from, members] = pending[i]!;
    for (const u of members) {
      if (u === exit) out.addEps(from, newExit);
      for (let e = nfa.edgeStart[u]!; e < nfa.edgeStart[u + 1]!; e++) out.edge(from, nfa.edgeSet[e]!, idOf(nfa.edgeTarget[e]!));
    }
  }
  return { nfa: out.freeze(), entry: newEntry, exit: newExit };
}

/**
 * The NFA of a checked grammar.
 *
 * @returns the NFA, its entry state and its single accepting state
 */
export function buildGrammarNfa(grammar: ByteGrammar): { nfa: ByteNfa; entry: number; accept: number } {
  const nfa = new ByteNfa();
  const entry = nfa.newState();
  const accept = nfa.emit(grammar.rules[grammar.start]!, entry, grammar);
  return { nfa: nfa.freeze(), entry, accept };
}
