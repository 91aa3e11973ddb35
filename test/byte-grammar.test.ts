import { describe, expect, it } from 'vitest';
import { APPLIANCE_ACTION_GRAMMAR } from '../src/appliance/action-grammar.js';
import { checkByteGrammar } from '../src/runtime/byte-grammar.js';
import type { ByteGrammar, GrammarNode } from '../src/runtime/byte-grammar.js';
import { DEAD, GrammarAutomaton } from '../src/runtime/grammar-automaton.js';
import { checkGenerateOptions } from '../src/runtime/generate-options.js';
import { COMPLETE, SAMPLE, TokenConstraint, constraintFor } from '../src/runtime/logit-constraint.js';
import type { TokenTextDecoder, Tokenizer } from '../src/runtime/tokenizer.js';
import { applianceTestTokenizer } from './support/appliance-test-bundle.js';

const t = (text: string): GrammarNode => ({ type: 'text', text });
const grammar = (node: GrammarNode, rules: Record<string, GrammarNode> = {}): ByteGrammar => ({ start: 'main', rules: { main: node, ...rules } });
const accepts = (g: ByteGrammar, text: string): boolean => {
  const a = new GrammarAutomaton(g);
  const s = a.walk(a.start, new TextEncoder().encode(text));
  return s !== DEAD && a.accepting(s);
};

/** A tokenizer whose vocabulary is given piece by piece (ids from 2; 0 is BOS, 1 is EOS). */
function pieceTokenizer(pieces: string[], withTokenBytes = true): Tokenizer {
  const bytes = [null, null, ...pieces.map((p) => new TextEncoder().encode(p))];
  const tokenizer: Tokenizer = {
    kind: 'bpe',
    vocabSize: bytes.length,
    bosId: 0,
    eosId: 1,
    encode: () => [0],
    createDecoder(): TokenTextDecoder {
      const utf8 = new TextDecoder();
      return { holding: false, push: (id) => utf8.decode(bytes[id] ?? new Uint8Array(0), { stream: true }), flush: () => utf8.decode() };
    },
  };
  if (withTokenBytes) tokenizer.tokenBytes = (id) => bytes[id] ?? null;
  return tokenizer;
}

describe('checkByteGrammar', () => {
  it('returns the same key for equal grammars and a different one otherwise', () => {
    const a = checkByteGrammar(grammar(t('yes')));
    expect(checkByteGrammar(grammar(t('yes')))).toBe(a);
    expect(checkByteGrammar(grammar(t('no')))).not.toBe(a);
    expect(checkByteGrammar(APPLIANCE_ACTION_GRAMMAR)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses recursion, missing rules, bad nodes, ranges and bounds, and grammars too big to expand', () => {
    expect(() => checkByteGrammar(grammar({ type: 'rule', name: 'main' }))).toThrow(/refers to itself/);
    expect(() => checkByteGrammar(grammar({ type: 'rule', name: 'a' }, { a: { type: 'seq', items: [{ type: 'rule', name: 'main' }] } }))).toThrow(/refers to itself/);
    expect(() => checkByteGrammar(grammar({ type: 'rule', name: 'nope' }))).toThrow(/not defined/);
    expect(() => checkByteGrammar(grammar({ type: 'byte', ranges: [[5, 3]] }))).toThrow(RangeError);
    expect(() => checkByteGrammar(grammar({ type: 'byte', ranges: [[0, 256]] }))).toThrow(RangeError);
    expect(() => checkByteGrammar(grammar({ type: 'alt', items: [] }))).toThrow(RangeError);
    expect(() => checkByteGrammar(grammar({ type: 'repeat', item: t('a'), min: 3, max: 2 }))).toThrow(RangeError);
    expect(() => checkByteGrammar(grammar({ type: 'wat' } as never))).toThrow(TypeError);
    expect(() => checkByteGrammar(null as never)).toThrow(TypeError);
    const big: GrammarNode = { type: 'repeat', item: { type: 'repeat', item: t('abcdefgh'), min: 0, max: 4000 }, min: 0, max: 4000 };
    expect(() => checkByteGrammar(grammar(big))).toThrow(/expands to more than/);
  });
});

describe('keeping grammars compiled', () => {
  it('keeps a grammar object the caller passes again, and compiles a fresh object every time', () => {
    const shared = grammar(t('ok'));
    const first = checkGenerateOptions({ constraint: shared }).constraint!;
    const again = checkGenerateOptions({ constraint: shared }).constraint!;
    const fresh = checkGenerateOptions({ constraint: grammar(t('ok')) }).constraint!;
    expect([first.keep, again.keep, fresh.keep]).toEqual([false, true, false]);
    expect(fresh.key).toBe(first.key);

    const tokenizer = pieceTokenizer(['o', 'k']);
    const a = constraintFor(tokenizer, fresh.grammar, fresh.key, false);
    expect(constraintFor(tokenizer, fresh.grammar, fresh.key, false)).not.toBe(a);
    const kept = constraintFor(tokenizer, again.grammar, again.key, true);
    expect(constraintFor(tokenizer, fresh.grammar, fresh.key, false)).toBe(kept); // once kept, any use of the key hits
  });
});

describe('GrammarAutomaton', () => {
  it('repeats within bounds and without', () => {
    const g = grammar({ type: 'seq', items: [{ type: 'repeat', item: t('ab'), min: 2, max: 3 }, t('!'), { type: 'repeat', item: t('c'), min: 0 }] });
    expect(['abab!', 'ababab!', 'abab!ccccc'].map((s) => accepts(g, s))).toEqual([true, true, true]);
    expect(['ab!', 'abababab!', 'abab', 'abab!cd'].map((s) => accepts(g, s))).toEqual([false, false, false, false]);
  });

  it('maxChars counts UTF-8 characters, not bytes', () => {
    const letter: GrammarNode = { type: 'alt', items: [{ type: 'byte', ranges: [[0x61, 0x7a]] }, t('é'), t('😀')] };
    const g = grammar({ type: 'maxChars', max: 3, item: { type: 'repeat', item: letter, min: 1 } });
    expect(['a', 'abc', 'éé😀', '😀😀😀'].map((s) => accepts(g, s))).toEqual([true, true, true, true]);
    expect(['abcd', 'éééé', ''].map((s) => accepts(g, s))).toEqual([false, false, false]);
  });

  it('knows the fewest bytes to the end and the shortest way there', () => {
    const a = new GrammarAutomaton(grammar({ type: 'alt', items: [t('a long way'), t('short'), { type: 'seq', items: [t('s'), t('h')] }] }));
    expect(a.distance(a.start)).toBe(2);
    expect(new TextDecoder().decode(a.shortestCompletion(a.start))).toBe('sh');
    expect(a.walk(a.start, new TextEncoder().encode('x'))).toBe(DEAD);
    expect(() => new GrammarAutomaton(grammar({ type: 'seq', items: [t('a'), { type: 'byte', ranges: [[0, 255]] }] }), new Set())).not.toThrow();
  });
});

describe('TokenConstraint', () => {
  it('allows only tokens that continue the text, forces a lone one, and completes without EOS when nothing may follow', () => {
    const tokenizer = pieceTokenizer(['ye', 's', 'y', 'no', 'x', 'yes', 'e', 'n', 'o']);
    const cursor = new TokenConstraint(grammar({ type: 'alt', items: [t('yes'), t('no')] }), tokenizer).cursor();
    const logits = new Float32Array(tokenizer.vocabSize).fill(5);
    expect(cursor.choose(logits, 8)).toBe(SAMPLE);
    const allowed = [...cursor.masked.keys()].filter((i) => cursor.masked[i]! > -Infinity);
    expect(allowed).toEqual([2, 4, 5, 7, 9]); // ye, y, no, yes, n; never BOS/EOS, x, s, e or o
    cursor.advance(2); // "ye"
    expect(cursor.peek(8)).toBe(3); // only "s" is left: forced
    cursor.advance(3);
    expect(cursor.peek(8)).toBe(COMPLETE);
    expect(() => cursor.advance(6)).toThrow(RangeError);
  });

  it('only allows a token when one-byte tokens can surely finish after it', () => {
    // No one-byte "e": after "y" nothing guarantees an ending, so "y" is not offered; "ye" and "yes" are.
    const tokenizer = pieceTokenizer(['ye', 's', 'y', 'yes']);
    const cursor = new TokenConstraint(grammar(t('yes')), tokenizer).cursor();
    cursor.choose(new Float32Array(tokenizer.vocabSize), 8);
    expect([...cursor.masked.keys()].filter((i) => cursor.masked[i]! > -Infinity)).toEqual([2, 5]);
  });

  it('allows EOS where the text is complete but could go on, and respects the token budget', () => {
    const tokenizer = pieceTokenizer(['a', 'aaaa', 'b']);
    const g = grammar({ type: 'seq', items: [{ type: 'repeat', item: t('a'), min: 1 }, { type: 'repeat', item: t('b'), min: 0, max: 1 }] });
    const cursor = new TokenConstraint(g, tokenizer).cursor();
    const logits = new Float32Array(tokenizer.vocabSize);
    cursor.choose(logits, 1);
    // One token left: both "a" and "aaaa" finish the text; EOS is not allowed yet.
    expect(cursor.masked[1]).toBe(-Infinity);
    cursor.advance(3);
    cursor.choose(logits, 5);
    expect(cursor.masked[1]).toBe(0); // EOS may end "aaaa" here
    expect(cursor.masked[4]).toBe(0); // or a "b"
  });

  it('without tokenBytes, falls back to the decoder: the same masks but for pieces that end inside a character', () => {
    const bpe = applianceTestTokenizer();
    const bare: Tokenizer = {
      kind: bpe.kind, vocabSize: bpe.vocabSize, bosId: bpe.bosId, eosId: bpe.eosId,
      encode: (text, o) => bpe.encode(text, o), createDecoder: (p) => bpe.createDecoder(p),
    };
    const withBytes = new TokenConstraint(APPLIANCE_ACTION_GRAMMAR, bpe).cursor();
    const fallback = new TokenConstraint(APPLIANCE_ACTION_GRAMMAR, bare).cursor();
    const logits = new Float32Array(bpe.vocabSize);
    const allowedAfter = (cursor: typeof withBytes, prefix: string): number[] => {
      const { automaton } = cursor.constraint;
      cursor.state = automaton.walk(automaton.start, new TextEncoder().encode(prefix));
      cursor.choose(logits, 100);
      return [...cursor.masked.keys()].filter((i) => cursor.masked[i]! > -Infinity);
    };
    for (const prefix of ['', '{"intent":"', '{"intent":"timer.set","seconds":9']) {
      expect(allowedAfter(fallback, prefix)).toEqual(allowedAfter(withBytes, prefix));
    }
    // Inside a name, non-ASCII letters are allowed: lone UTF-8 lead bytes only with tokenBytes.
    const name = '{"intent":"inventory.check","item":"';
    const full = allowedAfter(withBytes, name);
    const partial = allowedAfter(fallback, name);
    const missing = full.filter((id) => !partial.includes(id));
    expect(partial.every((id) => full.includes(id))).toBe(true);
    expect(missing.length).toBeGreaterThan(0);
    for (const id of missing) expect(bpe.tokenBytes(id)!.some((b) => b >= 0x80)).toBe(true);
  });
});
