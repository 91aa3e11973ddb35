import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPLIANCE_ACTION_GRAMMAR, buildActionGrammar } from '../src/appliance/action-grammar.js';
import { parseAction, serializeAction, validateAction } from '../src/appliance/action.js';
import type { ApplianceAction } from '../src/appliance/action.js';
import { createTokenizer } from '../src/runtime/create-tokenizer.js';
import { DEAD, GrammarAutomaton } from '../src/runtime/grammar-automaton.js';
import { loadModel } from '../src/runtime/load-model.js';
import type { Model } from '../src/runtime/model.js';
import { runGeneration } from '../src/runtime/run-generation.js';
import type { Tokenizer } from '../src/runtime/tokenizer.js';
import type { DecodeStep } from '../src/runtime/windowed-decoder.js';
import { checkGenerateOptions } from '../src/runtime/generate-options.js';
import { createTinyLlamaBundle } from '../src/testing/create-tiny-llama-bundle.js';
import { buildTestTokenizer } from '../src/tokenizers/write-llama2c-tokenizer.js';
import { generateCorpus } from '../src/train/corpus/generate-corpus.js';
import { applianceTestTokenizer, createApplianceTestBundle } from './support/appliance-test-bundle.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'shared', 'appliance', 'examples.jsonl');
const exampleActions = (): ApplianceAction[] =>
  readFileSync(EXAMPLES, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { action: ApplianceAction }).action);

const encoder = new TextEncoder();
const automaton = new GrammarAutomaton(APPLIANCE_ACTION_GRAMMAR);
const accepts = (text: string): boolean => {
  const s = automaton.walk(automaton.start, encoder.encode(text));
  return s !== DEAD && automaton.accepting(s);
};
/** Whether `grammar` accepts a text followed by a newline. */
function lineAcceptor(grammar: ReturnType<typeof buildActionGrammar>): (text: string) => boolean {
  const g = new GrammarAutomaton(grammar);
  return (text) => {
    const st = g.walk(g.start, encoder.encode(`${text}\n`));
    return st !== DEAD && g.accepting(st);
  };
}
/** What the grammar must accept: exactly one canonical, valid action and a newline. */
const isCanonicalLine = (text: string): boolean => {
  if (!text.endsWith('\n')) return false;
  try {
    return serializeAction(parseAction(text.slice(0, -1))) === text.slice(0, -1) && !text.slice(0, -1).includes('\n');
  } catch {
    return false;
  }
};
/** The output contract of a constrained generation. */
function expectCanonicalAction(text: string): void {
  expect(text.endsWith('\n'), JSON.stringify(text)).toBe(true);
  const action = parseAction(text);
  expect(validateAction(action).valid).toBe(true);
  expect(serializeAction(action) + '\n').toBe(text);
}

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

describe('the action grammar (bytes)', () => {
  it('accepts every example action of the evaluation set in canonical form, and only with the final newline', () => {
    const actions = exampleActions();
    expect(actions.length).toBeGreaterThan(50);
    for (const action of actions) {
      const line = serializeAction(action);
      expect(accepts(`${line}\n`), line).toBe(true);
      expect(accepts(line), line).toBe(false);
      expect(accepts(`${line}\n\n`), line).toBe(false);
    }
  });

  it('accepts the action of every corpus example, in all three splits', () => {
    for (const [split, size] of [['train', 1500], ['valid', 500], ['test', 1000]] as const) {
      for (const { action } of generateCorpus({ seed: 7, size, split })) {
        const line = serializeAction(action);
        expect(accepts(`${line}\n`), line).toBe(true);
      }
    }
  });

  it('accepts the edges of the schema: 48-character names (code points), Latin-1 letters, fractions, negatives, zero', () => {
    const ok = [
      { intent: 'inventory.check', item: 'a'.repeat(48) },
      { intent: 'inventory.check', item: 'é'.repeat(48) },
      { intent: 'inventory.check', item: 'crème fraîche' },
      { intent: 'inventory.check', item: "ben & jerry's 7-up" },
      { intent: 'shopping.add', items: [{ name: 'carrot', quantity: 0.5, unit: 'kg' }, { name: 'egg', quantity: 12 }, { name: 'milk', unit: 'carton' }] },
      { intent: 'shopping.add', items: [{ name: 'x', quantity: 0.000001 }, { name: 'y', quantity: 999999999.5 }] },
      { intent: 'temperature.set', zone: 'freezer', celsius: -18 },
      { intent: 'temperature.set', zone: 'fridge', celsius: 0 },
      { intent: 'temperature.set', zone: 'fridge', celsius: -0.5 },
      { intent: 'inventory.expiring', within_days: 0 },
      { intent: 'timer.set', seconds: 1 },
      { intent: 'timer.cancel' },
      { intent: 'recipe.suggest', ingredients: ['egg', 'spinach', 'feta cheese'] },
      { intent: 'mode.set', mode: 'sabbath' },
    ] as ApplianceAction[];
    for (const action of ok) expect(accepts(`${serializeAction(action)}\n`), JSON.stringify(action)).toBe(true);
  });

  it('rejects invalid and non-canonical texts, each of which the contract also refuses', () => {
    const bad = [
      '{"intent":"shopping.buy"}', // no such intent
      '{"intent":"unknown","item":"milk"}', // a slot the intent does not take
      '{"intent":"shopping.add"}', // items required
      '{"intent":"shopping.add","items":[]}', // no empty arrays
      '{"intent":"recipe.suggest","ingredients":[]}',
      '{"intent":"shopping.remove","items":[{"name":"milk","quantity":2}]}', // remove takes names only
      '{"intent":"shopping.add","items":[{"quantity":2,"name":"milk"}]}', // key order
      '{"intent":"timer.set","label":"pasta","seconds":600}',
      '{"intent": "unknown"}', // spaces
      '{"intent":"timer.set","seconds":"600"}', // numbers are numbers
      '{"intent":"timer.set","seconds":1.5}', // integer slot
      '{"intent":"timer.set","seconds":0}', // >= 1
      '{"intent":"inventory.expiring","within_days":-1}',
      '{"intent":"shopping.add","items":[{"name":"milk","quantity":0}]}', // > 0
      '{"intent":"shopping.add","items":[{"name":"milk","quantity":-2}]}',
      '{"intent":"shopping.add","items":[{"name":"milk","quantity":2.50}]}', // JSON.stringify writes 2.5
      '{"intent":"shopping.add","items":[{"name":"milk","quantity":02}]}',
      '{"intent":"shopping.add","items":[{"name":"milk","quantity":1e3}]}',
      '{"intent":"temperature.set","zone":"fridge","celsius":-0}',
      '{"intent":"shopping.add","items":[{"name":"milk","unit":"litre"}]}', // unit enum
      '{"intent":"temperature.query","zone":"pantry"}', // zone enum
      '{"intent":"mode.set","mode":"vacation"}', // mode enum
      '{"intent":"inventory.check","item":"Milk"}', // lower case
      '{"intent":"inventory.check","item":"peanut  butter"}', // single spaces
      '{"intent":"inventory.check","item":" milk"}',
      '{"intent":"inventory.check","item":"milk "}',
      '{"intent":"inventory.check","item":""}',
      `{"intent":"inventory.check","item":"${'a'.repeat(49)}"}`, // 48 characters at most
      '{"intent":"inventory.check","item":"mi\\"lk"}', // no escapes
      '{"intent":"inventory.check","item":null}',
      '{"intent":"timer.cancel","label":"pasta"}x',
    ];
    for (const text of bad) {
      expect(accepts(`${text}\n`), text).toBe(false);
      expect(isCanonicalLine(`${text}\n`), text).toBe(false);
    }
  });

  it('every text of random walks through the automaton is a valid action in canonical form (1000 walks)', () => {
    const rng = xorshift(7);
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const intents = new Set<string>();
    for (let walk = 0; walk < 1000; walk++) {
      let state = automaton.start;
      const out: number[] = [];
      while (!(automaton.accepting(state) && !automaton.canContinue(state))) {
        // Past 120 bytes, head for the end so walks stay short.
        const choices: number[] = [];
        for (let b = 0; b < 256; b++) {
          const t = automaton.step(state, b);
          if (t !== DEAD && (out.length < 120 || automaton.distance(t) < automaton.distance(state))) choices.push(b);
        }
        const b = choices[Math.floor(rng() * choices.length)]!;
        out.push(b);
        state = automaton.step(state, b);
      }
      const text = decoder.decode(Uint8Array.from(out));
      expect(isCanonicalLine(text), text).toBe(true);
      intents.add(parseAction(text).intent);
    }
    expect(intents.size).toBe(14);
  });

  it('the shortest action is {"intent":"unknown"} and a newline', () => {
    expect(automaton.distance(automaton.start)).toBe(21);
    expect(new TextDecoder().decode(automaton.shortestCompletion(automaton.start))).toBe('{"intent":"unknown"}\n');
  });

  it('with a list of names, accepts those names and no other, anywhere a name goes', () => {
    const ok = lineAcceptor(buildActionGrammar({ names: ['egg', 'egg white', 'milk', 'crème fraîche'] }));
    expect(ok('{"intent":"shopping.add","items":[{"name":"egg","quantity":2},{"name":"egg white"}]}')).toBe(true);
    expect(ok('{"intent":"recipe.suggest","ingredients":["milk","crème fraîche"]}')).toBe(true);
    expect(ok('{"intent":"timer.set","seconds":60,"label":"egg"}')).toBe(true);
    expect(ok('{"intent":"inventory.check","item":"eggs"}')).toBe(false);
    expect(ok('{"intent":"inventory.check","item":"egg whit"}')).toBe(false);
    expect(ok('{"intent":"recipe.ingredients","dish":"pancake"}')).toBe(false);
    expect(ok('{"intent":"unknown"}')).toBe(true);
    expect(() => buildActionGrammar({ names: ['Milk'] })).toThrow(RangeError);
    expect(() => buildActionGrammar({ names: ['two  spaces'] })).toThrow(RangeError);
    expect(buildActionGrammar({ names: [] })).toEqual(APPLIANCE_ACTION_GRAMMAR);
  });

  it('with lists of numbers and intents, accepts those values and intents and no other', () => {
    const ok = lineAcceptor(buildActionGrammar({
      numbers: { quantity: [0.5, 2, 500], seconds: [90, 195], celsius: [-18, 0] },
      intents: ['shopping.add', 'timer.set', 'temperature.set', 'unknown'],
    }));
    // [action text, accepted]
    const cases: Array<[string, boolean]> = [
      ['{"intent":"shopping.add","items":[{"name":"beef","quantity":500,"unit":"g"},{"name":"egg","quantity":0.5},{"name":"milk"}]}', true],
      ['{"intent":"shopping.add","items":[{"name":"beef","quantity":300,"unit":"g"}]}', false],
      ['{"intent":"shopping.add","items":[{"name":"beef","quantity":50}]}', false], // a prefix of 500 is not 500
      ['{"intent":"timer.set","seconds":195}', true],
      ['{"intent":"timer.set","seconds":75}', false],
      ['{"intent":"temperature.set","zone":"freezer","celsius":-18}', true],
      ['{"intent":"temperature.set","zone":"freezer","celsius":-17}', false],
      ['{"intent":"temperature.set","zone":"fridge","celsius":0}', true],
      ['{"intent":"unknown"}', true],
      ['{"intent":"temperature.query","zone":"fridge"}', false], // not among the intents
    ];
    for (const [text, accepted] of cases) expect(ok(text), text).toBe(accepted);
    expect(() => buildActionGrammar({ numbers: { quantity: [0] } })).toThrow(RangeError);
    expect(() => buildActionGrammar({ numbers: { seconds: [1.5] } })).toThrow(RangeError);
    expect(() => buildActionGrammar({ numbers: { celsius: [1 / 3] } })).toThrow(RangeError);
    expect(() => buildActionGrammar({ numbers: { celsius: [Number.NaN] } })).toThrow(RangeError);
    expect(() => buildActionGrammar({ intents: ['shopping.buy' as never] })).toThrow(RangeError);
    expect(buildActionGrammar({ numbers: {}, intents: [] })).toEqual(APPLIANCE_ACTION_GRAMMAR);
  });

  it('is rebuilt identically from the contract tables and is frozen', () => {
    expect(buildActionGrammar()).toEqual(APPLIANCE_ACTION_GRAMMAR);
    expect(Object.isFrozen(APPLIANCE_ACTION_GRAMMAR.rules)).toBe(true);
  });
});

type AdversarialMode = 'hostile' | 'random' | 'long' | 'nan' | 'negative-infinity';

/**
 * A decode step whose logits fight the grammar: EOS and BOS, and tokens
 * whose bytes hold quotes, braces, upper case or spaces score highest; the
 * rest is noise, or NaN / -Infinity everywhere.
 */
class AdversarialDecoder implements DecodeStep {
  readonly seqLen: number;
  inferMs = 0;
  steps = 0;
  logitSteps = 0;
  readonly #logits: Float32Array;
  readonly #rng: () => number;
  readonly #bias: Float32Array;
  readonly #mode: AdversarialMode;

  constructor(tokenizer: Tokenizer, seqLen: number, mode: AdversarialMode, seed: number) {
    this.seqLen = seqLen;
    this.#mode = mode;
    this.#rng = xorshift(seed);
    this.#logits = new Float32Array(tokenizer.vocabSize);
    this.#bias = new Float32Array(tokenizer.vocabSize);
    for (let id = 0; id < tokenizer.vocabSize; id++) {
      const bytes = tokenizer.tokenBytes?.(id) ?? null;
      const text = bytes === null ? '' : new TextDecoder().decode(bytes);
      if (id === tokenizer.eosId || id === tokenizer.bosId) this.#bias[id] = 50;
      else if (mode === 'hostile' && /["{}\[\]A-Z \\]/.test(text)) this.#bias[id] = 20 + text.length;
      else if (mode === 'long' && /^[a-z0-9,]+$/.test(text)) this.#bias[id] = 30;
    }
  }

  step(_token: number, _pos: number, wantLogits = true): Float32Array {
    this.steps++;
    if (!wantLogits) return this.#logits.fill(0);
    this.logitSteps++;
    for (let i = 0; i < this.#logits.length; i++) {
      this.#logits[i] =
        this.#mode === 'nan' ? NaN : this.#mode === 'negative-infinity' ? -Infinity : this.#bias[i]! + (this.#rng() - 0.5) * 8;
    }
    return this.#logits;
  }

  resetTimer(): void {
    this.inferMs = 0;
  }
}

async function constrainedRun(decoder: DecodeStep, tokenizer: Tokenizer, prompt: string, options: Parameters<typeof checkGenerateOptions>[0]) {
  let text = '';
  const result = await runGeneration(decoder, tokenizer, prompt, checkGenerateOptions({ constraint: APPLIANCE_ACTION_GRAMMAR, ...options }), decoder.seqLen, {
    started: () => undefined,
    piece: (p) => void (text += p.text),
    aborted: () => false,
    pause: async () => undefined,
  });
  return { text, result };
}

const VOCABULARIES: Array<[string, () => Tokenizer]> = [
  ['appliance BPE', () => applianceTestTokenizer()],
  ['llama2c test', () => createTokenizer('llama2c', buildTestTokenizer(512), 512)],
];

describe.each(VOCABULARIES)('constrained decoding against adversarial logits (%s vocabulary)', (_name, makeTokenizer) => {
  const tokenizer = makeTokenizer();

  it('every mode, seed, temperature and token limit still yields a canonical action, ended as eos', async () => {
    const modes = ['hostile', 'random', 'long', 'nan', 'negative-infinity'] as const;
    let runs = 0;
    for (const mode of modes) {
      for (let seed = 1; seed <= 12; seed++) {
        for (const [temperature, maxTokens] of [[0, undefined], [1, undefined], [1.5, 24], [1, 40], [0, 21]] as const) {
          const decoder = new AdversarialDecoder(tokenizer, 256, mode, seed);
          const { text, result } = await constrainedRun(decoder, tokenizer, 'add two litres of milk\n', {
            temperature, topP: 1, seed, ...(maxTokens === undefined ? {} : { maxTokens }),
          });
          expectCanonicalAction(text);
          expect(result.stopReason).toBe('eos');
          if (maxTokens !== undefined) expect(result.generatedTokens).toBeLessThanOrEqual(maxTokens);
          runs++;
        }
      }
    }
    expect(runs).toBe(300);
  });

  it('keeps to the context: a long-winded model still finishes inside a short context', async () => {
    for (let seed = 1; seed <= 10; seed++) {
      const decoder = new AdversarialDecoder(tokenizer, 48, 'long', seed);
      const { text, result } = await constrainedRun(decoder, tokenizer, 'add milk\n', { temperature: 1, seed });
      expectCanonicalAction(text);
      expect(result.promptTokens + result.generatedTokens).toBeLessThanOrEqual(48 + 1);
    }
  });

  it('ends without a step after the final newline, and skips the classifier before forced tokens', async () => {
    let forcedSomewhere = false;
    for (let seed = 1; seed <= 5; seed++) {
      const decoder = new AdversarialDecoder(tokenizer, 256, 'random', seed);
      const { text, result } = await constrainedRun(decoder, tokenizer, 'x\n', { temperature: 1, seed });
      expectCanonicalAction(text);
      // One step per prompt token and per generated token but the last (no step runs after the newline).
      expect(decoder.steps).toBe(result.promptTokens + result.generatedTokens - 1);
      // Classifier runs: the last prompt step and one per sampled token, none before a forced one.
      expect(decoder.logitSteps).toBeLessThanOrEqual(result.generatedTokens);
      if (decoder.logitSteps < result.generatedTokens) forcedSomewhere = true;
    }
    // The llama2c test vocabulary has single-character pieces ('{' then '"' are forced); the BPE one
    // forces at least the newline after '}' once the text cannot go on.
    expect(forcedSomewhere).toBe(true);
  });

  it('refuses with E_CONTEXT_OVERFLOW when the shortest action cannot fit', async () => {
    const decoder = new AdversarialDecoder(tokenizer, 256, 'random', 1);
    await expect(constrainedRun(decoder, tokenizer, 'x\n', { maxTokens: 20 })).rejects.toMatchObject({ code: 'E_CONTEXT_OVERFLOW' });
    const small = new AdversarialDecoder(tokenizer, 24, 'random', 1);
    await expect(constrainedRun(small, tokenizer, 'a longer request\n', {})).rejects.toMatchObject({ code: 'E_CONTEXT_OVERFLOW' });
  });
});

describe('constrained decoding in the inference worker (random-weight TFLite models)', () => {
  let models: Model[] = [];
  let dirs: string[] = [];

  beforeAll(async () => {
    // Two untrained models with the appliance BPE vocabulary, one with the llama2c test vocabulary.
    const config = { dim: 32, hiddenDim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: 384, seqLen: 192, sharedClassifier: true };
    const bundles = await Promise.all([createApplianceTestBundle(11), createApplianceTestBundle(12), createTinyLlamaBundle({ seed: 13, config })]);
    dirs = bundles.map((b) => b.dir);
    models = await Promise.all(bundles.map((b) => loadModel(b.dir)));
  });

  afterAll(async () => {
    await Promise.all(models.map((m) => m.close()));
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('every seed and temperature gives a canonical action (3 models x 12 seeds)', async () => {
    const requests = ['add milk', 'set the freezer to minus eighteen', 'who won the match?'];
    for (const [m, model] of models.entries()) {
      for (let seed = 0; seed < 12; seed++) {
        const { text, stopReason } = await model.generate(`${requests[seed % 3]}\n`, {
          constraint: APPLIANCE_ACTION_GRAMMAR, temperature: seed % 4 === 0 ? 0 : 1.2, topP: 1, seed: seed * 31 + m,
        }).result;
        expectCanonicalAction(text);
        expect(stopReason).toBe('eos');
      }
    }
  });

  it('a grammar crosses to the worker as plain data and a bad one is refused on the caller thread', () => {
    const model = models[0]!;
    expect(() => model.generate('x', { constraint: { start: 'a', rules: { a: { type: 'rule', name: 'a' } } } })).toThrow(RangeError);
    expect(() => model.generate('x', { constraint: { start: 'a', rules: {} } })).toThrow(/not defined/);
  });
});
