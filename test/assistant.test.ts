import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAction, serializeAction, validateAction } from '../src/appliance/action.js';
import { createAssistant, requestPrompt } from '../src/appliance/assistant.js';
import type { Assistant } from '../src/appliance/assistant.js';
import { evaluateAssistant, parseLabelledRequests, scoreAnswers } from '../src/appliance/evaluate-assistant.js';
import { nameCandidates } from '../src/appliance/name-candidates.js';
import { generateCorpus } from '../src/train/corpus/generate-corpus.js';
import { numberCandidates } from '../src/appliance/number-candidates.js';
import { composeReply } from '../src/appliance/reply.js';
import { openPowerSampler } from '../src/power/open-power-sampler.js';
import type { PowerSampler } from '../src/power/power-sampler.js';
import { loadModel } from '../src/runtime/load-model.js';
import type { Model } from '../src/runtime/model.js';
import { createScriptedPowerSource } from '../src/testing/scripted-power-source.js';
import { applianceTestTokenizer, createApplianceTestBundle } from './support/appliance-test-bundle.js';

/** Requests a real user might type, and some no one should. */
const REQUESTS = [
  'add two litres of milk',
  'set the freezer to minus eighteen',
  'who won the match last night?',
  '',
  '   \t  ',
  'ADD EGGS!!!',
  'timer\nfor ten\r\nminutes',
  'crème fraîche 🍓 ñ 中文',
  '{"intent":"shopping.clear"}',
  '\u0000\u0001\u001b[31m',
  'a'.repeat(120),
];

let models: Model[] = [];
let assistants: Assistant[] = [];
let dirs: string[] = [];

beforeAll(async () => {
  // Untrained, random weights: nothing here depends on the training helper's model.
  const bundles = await Promise.all([21, 22].map((seed) => createApplianceTestBundle(seed)));
  dirs = bundles.map((b) => b.dir);
  models = await Promise.all(bundles.map((b) => loadModel(b.dir)));
  assistants = models.map((model) => createAssistant({ model }));
});

afterAll(async () => {
  await Promise.all(models.map((m) => m.close()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('createAssistant / handle', () => {
  it('every request, however odd, gives a valid canonical action and the reply composed for it (random-weight models)', async () => {
    for (const assistant of assistants) {
      for (const text of REQUESTS) {
        const { action, reply, stats } = await assistant.handle(text);
        expect(validateAction(action).valid, `${text} -> ${JSON.stringify(action)}`).toBe(true);
        expect(parseAction(serializeAction(action))).toEqual(action);
        expect(reply).toBe(composeReply(action));
        expect(stats.generatedTokens).toBeGreaterThanOrEqual(1);
        expect(stats.timeToActionMs).toBeGreaterThan(0);
        expect(stats.inferMs).toBeGreaterThan(0);
        expect(stats.promptTokens).toBe(applianceTestTokenizer().encode(requestPrompt(text), { bos: true }).length);
      }
    }
  });

  it("takes names only from the request's words by default, and any valid name with names: 'any'", async () => {
    const namesOf = (a: Record<string, unknown>): string[] => [
      ...['item', 'label', 'dish'].flatMap((k) => (typeof a[k] === 'string' ? [a[k] as string] : [])),
      ...((a['items'] as Array<{ name: string }> | undefined) ?? []).map((i) => i.name),
      ...((a['ingredients'] as string[] | undefined) ?? []),
    ];
    let named = 0;
    for (const assistant of assistants) {
      for (const text of ['add two cans of tomatoes and some Peanut Butter', 'timer for the lasagne', 'do we have any blackberries', 'ingredients for shakshuka']) {
        const { action } = await assistant.handle(text);
        const candidates = nameCandidates(text);
        for (const name of namesOf(action as unknown as Record<string, unknown>)) {
          named++;
          expect(candidates, `${text} -> ${name}`).toContain(name);
        }
      }
    }
    expect(named).toBeGreaterThan(0); // random weights still name things, so the property was exercised
    const open = createAssistant({ model: models[0]!, names: 'any' });
    expect(validateAction((await open.handle('add milk')).action).valid).toBe(true);
    expect(() => createAssistant({ model: models[0]!, names: 'some' as never })).toThrow(RangeError);
  });

  // Requests that say numbers: a few by hand and 40 from the corpus, so random weights write some numbers whatever the tokenizer.
  const NUMBER_REQUESTS = [
    'add 500 grams of beef and two dozen eggs', 'set the freezer to zero fahrenheit', 'timer for 3 minutes 15 seconds', 'fridge to twenty degrees',
    ...generateCorpus({ seed: 5, size: 600, split: 'train' }).filter((e) => /"(?:quantity|seconds|celsius)"/.test(JSON.stringify(e.action))).slice(0, 40).map((e) => e.text),
  ];

  it("takes numbers only from what the request says by default, and any number with numbers: 'any'", async () => {
    let numbered = 0;
    for (const assistant of assistants) {
      for (const text of NUMBER_REQUESTS) {
        const { action } = await assistant.handle(text);
        const c = numberCandidates(text);
        const a = action as unknown as Record<string, unknown>;
        // A slot whose request says nothing it could take (no amount, no unit of time) is free by design.
        const written: Array<[number[], unknown]> = [
          ...((a['items'] as Array<{ quantity?: number }> | undefined) ?? []).map((i): [number[], unknown] => [c.quantity, i.quantity]),
          [c.seconds, a['seconds']],
          [c.celsius, a['celsius']],
        ];
        for (const [allowed, value] of written) {
          if (typeof value !== 'number' || allowed.length === 0) continue;
          numbered++;
          expect(allowed, text).toContain(value);
        }
      }
      // no number said: a temperature.set is impossible whatever the weights say
      for (const text of ['is the freezer cold enough', 'make the fridge colder', 'freezer']) expect((await assistant.handle(text)).action.intent).not.toBe('temperature.set');
    }
    expect(numbered).toBeGreaterThan(0); // random weights still write numbers, so the property was exercised
    const open = createAssistant({ model: models[0]!, numbers: 'any' });
    expect(validateAction((await open.handle('set the fridge to 4')).action).valid).toBe(true);
    expect(() => createAssistant({ model: models[0]!, numbers: 'all' as never })).toThrow(RangeError);
  });

  it('name candidates: runs of up to four request words, lower case, the last one made singular', () => {
    const c = nameCandidates('Add two Cans of TOMATOES, 3 loaves and crème fraîche!');
    for (const name of ['tomato', 'tomatoes', 'cans of tomato', 'loaf', 'loaves', 'crème fraîche', 'two can', 'add two cans of']) expect(c).toContain(name);
    expect(c).not.toContain('add two cans of tomato'); // five words
    expect(c).not.toContain('Tomato');
    expect(nameCandidates('  ?! ')).toEqual([]);
    expect(nameCandidates("two m&m's, 'please'")).toEqual(expect.arrayContaining(["m&m's", 'please', "two m&m's"]));
    expect(nameCandidates('berries leaves')).toEqual(expect.arrayContaining(['berry', 'leaf', 'leafe', 'berrie']));
    expect(nameCandidates('a'.repeat(60))).toEqual([]);
  });

  it('is deterministic: greedy decoding gives the same action for the same request', async () => {
    const [a, b] = await Promise.all([assistants[0]!.handle('add milk'), assistants[0]!.handle('add milk')]);
    expect(a.action).toEqual(b.action);
  });

  it('writes the request on one line, white space collapsed, then a newline', () => {
    expect(requestPrompt('  add \t two\nlitres  of milk \n')).toBe('add two litres of milk\n');
    expect(requestPrompt('')).toBe('\n');
  });

  it('a request too long for the context fails with E_CONTEXT_OVERFLOW, and the assistant still works after it', async () => {
    const long = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    await expect(assistants[0]!.handle(long)).rejects.toMatchObject({ code: 'E_CONTEXT_OVERFLOW' });
    expect(validateAction((await assistants[0]!.handle('add milk')).action).valid).toBe(true);
  });

  it('aborting rejects with E_ABORTED, before the start and mid-way', async () => {
    await expect(assistants[0]!.handle('add milk', { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'E_ABORTED' });
    const controller = new AbortController();
    const pending = assistants[1]!.handle('add milk and eggs and bread', { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'E_ABORTED' });
  });

  it('checks its arguments', async () => {
    expect(() => createAssistant({} as never)).toThrow(TypeError);
    expect(() => createAssistant({ model: models[0]!, maxTokens: 5 })).toThrow(RangeError);
    expect(() => createAssistant({ model: models[0]!, meter: {} as never })).toThrow(TypeError);
    await expect(assistants[0]!.handle(42 as never)).rejects.toThrow(TypeError);
    await expect(assistants[0]!.handle('x', { signal: 'no' as never })).rejects.toThrow(TypeError);
  });

  it('keeps to maxTokens: even a tight limit yields a complete action', async () => {
    const tight = createAssistant({ model: models[1]!, maxTokens: 21 });
    for (const text of REQUESTS.slice(0, 4)) {
      const { action, stats } = await tight.handle(text);
      expect(validateAction(action).valid).toBe(true);
      expect(stats.generatedTokens).toBeLessThanOrEqual(21);
    }
  });
});

describe('energy', () => {
  let sampler: PowerSampler;

  beforeAll(async () => {
    sampler = await openPowerSampler({ source: createScriptedPowerSource({ watts: 3 }), hz: 200 });
  });

  afterAll(async () => {
    await sampler.close();
  });

  it('with a power meter, each response carries the energy report of its own request', async () => {
    const meter = sampler.meter(models[0]!);
    const requestIds: number[] = [];
    const off = models[0]!.on('inference:start', (e) => void requestIds.push(e.requestId));
    try {
      const assistant = createAssistant({ model: models[0]!, meter });
      const first = await assistant.handle('add milk');
      const second = await assistant.handle('set the fridge to 4 degrees');
      expect(first.energy).not.toBeNull();
      expect(first.energy!.requestId).toBe(requestIds[0]);
      expect(second.energy!.requestId).toBe(requestIds[1]);
      expect(first.energy!.generatedTokens).toBe(first.stats.generatedTokens);
      // 3 W scripted: energy is about 3 W over the inference.
      expect(first.energy!.avgW).toBeCloseTo(3, 5);
      expect(first.energy!.joules).toBeGreaterThan(0);
    } finally {
      off();
      meter.close();
    }
  });

  it('without a meter there is no energy field, and a silent meter gives null after the timeout', async () => {
    expect('energy' in (await assistants[0]!.handle('add milk'))).toBe(false);
    const silent = { on: () => () => undefined };
    const { energy } = await createAssistant({ model: models[0]!, meter: silent, energyTimeoutMs: 20 }).handle('add milk');
    expect(energy).toBeNull();
  });
});

describe('evaluation', () => {
  it('scores intent accuracy, exact match and valid actions', () => {
    const labelled = parseLabelledRequests(
      ['{"text":"a","action":{"intent":"shopping.show"}}', '', '{"text":"b","action":{"intent":"timer.set","seconds":60}}',
        '{"text":"c","action":{"intent":"unknown"}}', '{"text":"d","action":{"intent":"mode.set","mode":"eco"}}'].join('\n'),
    );
    const report = scoreAnswers(labelled, [
      { action: { intent: 'shopping.show' }, ms: 10 },
      { action: { intent: 'timer.set', seconds: 90 }, ms: 20 }, // right intent, wrong slot
      { action: null, ms: 30, error: 'E_INFERENCE' }, // failed: wrong and invalid
      { action: { intent: 'mode.set', mode: 'eco' }, ms: 40 },
    ]);
    expect(report.requests).toBe(4);
    expect(report.intentAccuracy).toBe(0.75);
    expect(report.exactMatch).toBe(0.5);
    expect(report.validActions).toBe(0.75);
    expect(report.misses.map((m) => m.text)).toEqual(['b', 'c']);
    expect(report.byIntent['timer.set']).toEqual({ requests: 1, intent: 1, exact: 0 });
    expect(report.timeToActionMs.p50).toBe(20);
  });

  it('refuses labelled lines that are not {text, action} with a valid action', () => {
    expect(() => parseLabelledRequests('{"text":"x","action":{"intent":"nope"}}', 'f.jsonl')).toThrow(/f\.jsonl:1/);
    expect(() => parseLabelledRequests('not json')).toThrow(expect.objectContaining({ code: 'E_ACTION_INVALID' }));
  });

  it('runs requests through an assistant: an untrained model still gives 100% valid actions', async () => {
    const labelled = parseLabelledRequests(REQUESTS.slice(0, 5).map((text) => JSON.stringify({ text, action: { intent: 'unknown' } })).join('\n'));
    const report = await evaluateAssistant(assistants[0]!, labelled);
    expect(report.requests).toBe(5);
    expect(report.validActions).toBe(1);
  });
});
