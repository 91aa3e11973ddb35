import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { APPLIANCE_INTENTS, APPLIANCE_UNITS, parseAction, serializeAction, validateAction } from '../src/appliance/action.js';
import type { ApplianceAction, ShoppingItem } from '../src/appliance/action.js';
import { APPLIANCE_RECIPES } from '../src/appliance/recipes.js';
import { EVALUATION_DIGESTS, normalizeSentence, sentenceDigest } from '../src/train/corpus/decontaminate.js';
import { FOODS, HELD_OUT_FOODS, inventedFoods } from '../src/train/corpus/food-lexicon.js';
import { CORPUS_TEMPLATES, HELD_OUT_DISHES, INVENTED_FOOD_SEED, INVENTED_FOODS, generateCorpus } from '../src/train/corpus/generate-corpus.js';
import type { CorpusExample } from '../src/train/corpus/generate-corpus.js';
import { fahrenheitToCelsius } from '../src/appliance/number-candidates.js';
import { CorpusRandom } from '../src/train/corpus/random.js';
import { typo } from '../src/train/corpus/surface.js';
import { APPLIANCE_CORPUS_SEED, APPLIANCE_CORPUS_SIZES, buildCorpusFiles } from '../src/train/corpus/write-corpus.js';
import type { CorpusManifest } from '../src/train/corpus/write-corpus.js';

const EXAMPLES_PATH = process.env.TINYEDGE_APPLIANCE_EXAMPLES
  ?? fileURLToPath(new URL('../../shared/appliance/examples.jsonl', import.meta.url));
const haveExamples = existsSync(EXAMPLES_PATH);
const examples: { text: string; action: unknown }[] = haveExamples
  ? readFileSync(EXAMPLES_PATH, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { text: string; action: unknown })
  : [];

interface Line {
  text: string;
  action: ApplianceAction;
}

let files: Record<'train' | 'valid' | 'test', string>;
let manifest: CorpusManifest;
let train: Line[];
let valid: Line[];
let test: Line[];
let trainTemplates: CorpusExample[];

function parseJsonl(text: string): Line[] {
  return text.trimEnd().split('\n').map((l) => JSON.parse(l) as Line);
}

beforeAll(() => {
  // The committed corpus, regenerated from its seed (a few seconds).
  ({ files, manifest } = buildCorpusFiles());
  train = parseJsonl(files.train);
  valid = parseJsonl(files.valid);
  test = parseJsonl(files.test);
  trainTemplates = generateCorpus({ seed: APPLIANCE_CORPUS_SEED, size: 3000, split: 'train' });
});

const pluralOf = new Map([...FOODS, ...inventedFoods(INVENTED_FOODS, INVENTED_FOOD_SEED)].map((f) => [f.name, f.plural ?? f.name]));
/** Every way a held-out food or dish is said: name and plural. */
const HELD_PHRASES = [
  ...HELD_OUT_FOODS, ...HELD_OUT_FOODS.map((n) => pluralOf.get(n) as string),
  ...HELD_OUT_DISHES, ...APPLIANCE_RECIPES.filter((r) => HELD_OUT_DISHES.includes(r.dish) && r.plural !== undefined).map((r) => r.plural as string),
];

/** A case-insensitive whole-phrase matcher for any of `phrases`. */
function phraseMatcher(phrases: readonly string[]): (text: string) => boolean {
  const alternation = phrases.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const re = new RegExp(`(?:^|[^\\p{L}])(?:${alternation})(?:$|[^\\p{L}])`, 'u');
  return (text) => re.test(text.toLowerCase());
}

function itemsOf(a: ApplianceAction): ShoppingItem[] {
  return a.intent === 'shopping.add' || a.intent === 'shopping.remove' ? a.items : [];
}

describe('corpus generation', () => {
  it('reproduces the committed corpus byte for byte from its seed (data/appliance/manifest.json)', () => {
    const committed = JSON.parse(readFileSync(new URL('../data/appliance/manifest.json', import.meta.url), 'utf8')) as CorpusManifest;
    expect(committed.seed).toBe(APPLIANCE_CORPUS_SEED);
    for (const split of ['train', 'valid', 'test'] as const) {
      expect(manifest.splits[split].examples).toBe(APPLIANCE_CORPUS_SIZES[split]);
      expect(createHash('sha256').update(files[split]).digest('hex')).toBe(committed.splits[split].sha256);
    }
    expect(manifest).toEqual(committed);
  });

  it('is deterministic per seed and differs across seeds and splits', () => {
    const a = generateCorpus({ seed: 3, size: 300, split: 'train' });
    expect(generateCorpus({ seed: 3, size: 300, split: 'train' })).toEqual(a);
    expect(generateCorpus({ seed: 4, size: 300, split: 'train' }).map((e) => e.text)).not.toEqual(a.map((e) => e.text));
    expect(generateCorpus({ seed: 3, size: 300, split: 'valid' }).map((e) => e.text)).not.toEqual(a.map((e) => e.text));
    expect(generateCorpus({ seed: 3, size: 0, split: 'test' })).toEqual([]);
    expect(() => generateCorpus({ seed: 3, size: -1, split: 'train' })).toThrow(RangeError);
    expect(() => generateCorpus({ seed: 1.5, size: 1, split: 'train' })).toThrow(RangeError);
  });

  it('writes only valid actions, in canonical text, one JSON object per line', () => {
    const bad: string[] = [];
    for (const text of Object.values(files)) {
      expect(text.endsWith('}\n')).toBe(true);
      for (const line of text.trimEnd().split('\n')) {
        const { text: request, action } = JSON.parse(line) as Line;
        const ok = validateAction(action).valid
          && line === `{"text":${JSON.stringify(request)},"action":${serializeAction(action)}}`
          && request.trim() === request && request.length > 0;
        if (!ok) bad.push(line);
      }
    }
    expect(bad).toEqual([]);
  });

  it('covers every intent in every split, roughly in its intended share', () => {
    for (const lines of [train, valid, test]) {
      const counts = new Map<string, number>();
      for (const l of lines) counts.set(l.action.intent, (counts.get(l.action.intent) ?? 0) + 1);
      for (const intent of APPLIANCE_INTENTS) expect(counts.get(intent) ?? 0, intent).toBeGreaterThan(lines.length * 0.02);
    }
  });

  it('keeps names lower case and singular, copied from the words of the request', () => {
    const bad: string[] = [];
    for (const { text, action } of train) {
      const names = [
        ...itemsOf(action).map((i) => i.name),
        ...(action.intent === 'inventory.check' ? [action.item] : []),
        ...(action.intent === 'recipe.suggest' ? action.ingredients ?? [] : []),
      ];
      const said = text.toLowerCase();
      for (const name of names) {
        const plural = pluralOf.get(name);
        if (plural === undefined || !(said.includes(name) || said.includes(plural))) bad.push(`${text} -> ${name}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('exercises every slot rule of the contract', () => {
    const rules: [string, (l: Line) => boolean][] = [
      ['plural to singular', (l) => itemsOf(l.action).some((i) => i.name === 'egg') && /\beggs\b/i.test(l.text)],
      ['-oes plural', (l) => itemsOf(l.action).some((i) => i.name === 'tomato') && /\btomatoes\b/i.test(l.text)],
      ['-ies plural', (l) => itemsOf(l.action).some((i) => i.name.endsWith('berry')) && /berries\b/i.test(l.text)],
      ['compound name', (l) => itemsOf(l.action).some((i) => i.name === 'peanut butter')],
      ['several items', (l) => itemsOf(l.action).length >= 3],
      ['number word', (l) => itemsOf(l.action).some((i) => i.quantity === 3 && i.unit === undefined) && /\bthree\b/i.test(l.text)],
      ['digits', (l) => itemsOf(l.action).some((i) => i.quantity === 500 && i.unit === 'g') && /500 ?g/i.test(l.text)],
      ['a dozen -> 12', (l) => /\ba dozen\b/i.test(l.text) && itemsOf(l.action).some((i) => i.quantity === 12)],
      ['half a dozen -> 6', (l) => /\bhalf a dozen\b/i.test(l.text) && itemsOf(l.action).some((i) => i.quantity === 6)],
      ['half a -> 0.5', (l) => /\bhalf a kilo\b/i.test(l.text) && itemsOf(l.action).some((i) => i.quantity === 0.5 && i.unit === 'kg')],
      ['a couple of -> 2', (l) => /\ba couple of\b/i.test(l.text) && itemsOf(l.action).some((i) => i.quantity === 2)],
      ['a pound of -> 1 lb', (l) => /\ba pound of\b/i.test(l.text) && itemsOf(l.action).some((i) => i.quantity === 1 && i.unit === 'lb')],
      ['a/an alone: no quantity', (l) => l.action.intent === 'shopping.add' && /\b(?:add|buy) an? [a-z]+$/i.test(l.text) && l.action.items.length === 1 && l.action.items[0]?.quantity === undefined],
      ['quantity words dropped', (l) => /\b(?:some|a bit of|more) /i.test(l.text) && itemsOf(l.action).some((i) => i.quantity === undefined)],
      ['litres -> l', (l) => /\blitres\b/i.test(l.text) && itemsOf(l.action).some((i) => i.unit === 'l')],
      ['liters -> l', (l) => /\bliters\b/i.test(l.text) && itemsOf(l.action).some((i) => i.unit === 'l')],
      ['grams -> g', (l) => /\bgrams\b/i.test(l.text) && itemsOf(l.action).some((i) => i.unit === 'g')],
      ['count without unit', (l) => itemsOf(l.action).some((i) => i.quantity !== undefined && i.unit === undefined)],
      ['amount after the name', (l) => l.action.intent === 'shopping.add' && /, (?:get|buy|grab|add) an? (?:jar|bottle|pack|bag)\b/i.test(l.text)],
      ['refrigerator -> fridge', (l) => /refrigerator/i.test(l.text) && (l.action.intent === 'temperature.set' || l.action.intent === 'temperature.query') && l.action.zone === 'fridge'],
      ['no zone -> fridge', (l) => l.action.intent === 'temperature.set' && !/fridge|freezer|refrigerator/i.test(l.text)],
      ['minus words', (l) => l.action.intent === 'temperature.set' && /\bminus eighteen\b/i.test(l.text) && l.action.celsius === -18],
      ['fahrenheit converted', (l) => l.action.intent === 'temperature.set' && /fahrenheit/i.test(l.text)],
      ['an hour and a half -> 5400', (l) => l.action.intent === 'timer.set' && /an hour and a half/i.test(l.text) && l.action.seconds === 5400],
      ['90 seconds', (l) => l.action.intent === 'timer.set' && /\b90 seconds\b/i.test(l.text) && l.action.seconds === 90],
      ['timer label', (l) => l.action.intent === 'timer.set' && l.action.label === 'pasta'],
      ['cancel with label', (l) => l.action.intent === 'timer.cancel' && l.action.label !== undefined],
      ['cancel without label', (l) => l.action.intent === 'timer.cancel' && l.action.label === undefined],
      ['today -> 0', (l) => l.action.intent === 'inventory.expiring' && /\btoday\b/i.test(l.text) && l.action.within_days === 0],
      ['tomorrow -> 1', (l) => l.action.intent === 'inventory.expiring' && /\btomorrow\b/i.test(l.text) && l.action.within_days === 1],
      ['this week -> 7', (l) => l.action.intent === 'inventory.expiring' && /\bthis week\b/i.test(l.text) && l.action.within_days === 7],
      ['next three days -> 3', (l) => l.action.intent === 'inventory.expiring' && /next three days/i.test(l.text) && l.action.within_days === 3],
      ['soon -> no slot', (l) => l.action.intent === 'inventory.expiring' && /\bsoon\b/i.test(l.text) && l.action.within_days === undefined],
      ['recipe without ingredients', (l) => l.action.intent === 'recipe.suggest' && l.action.ingredients === undefined],
      ['recipe with ingredients', (l) => l.action.intent === 'recipe.suggest' && (l.action.ingredients?.length ?? 0) >= 2],
      ['plural dish -> singular', (l) => l.action.intent === 'recipe.ingredients' && l.action.dish === 'pancake' && /pancakes/i.test(l.text)],
      ['vacation -> holiday', (l) => l.action.intent === 'mode.set' && /vacation/i.test(l.text) && l.action.mode === 'holiday'],
      ['energy saving -> eco', (l) => l.action.intent === 'mode.set' && /energy saving/i.test(l.text) && l.action.mode === 'eco'],
      ['quick chill -> party', (l) => l.action.intent === 'mode.set' && /quick chill/i.test(l.text) && l.action.mode === 'party'],
      ['fast cooling -> party', (l) => l.action.intent === 'mode.set' && /fast cooling/i.test(l.text) && l.action.mode === 'party'],
      ['sabbath', (l) => l.action.intent === 'mode.set' && l.action.mode === 'sabbath'],
      ['normal', (l) => l.action.intent === 'mode.set' && l.action.mode === 'normal'],
      ['filler "could you"', (l) => /^could you\b/i.test(l.text)],
      ['filler "please"', (l) => /\bplease\b/i.test(l.text)],
      ['filler "um"', (l) => /^um\b/i.test(l.text)],
      ['upper case', (l) => l.text === l.text.toUpperCase() && /[A-Z]{4}/.test(l.text)],
      ['question mark', (l) => l.text.endsWith('?')],
      ['near miss: calendar', (l) => l.action.intent === 'unknown' && /calendar/i.test(l.text)],
      ['near miss: thermostat', (l) => l.action.intent === 'unknown' && /thermostat/i.test(l.text)],
      ['keyboard noise', (l) => l.action.intent === 'unknown' && /^[a-z]{3,8}[?!]?$/i.test(l.text)],
    ];
    const missing = rules.filter(([, rule]) => !train.some(rule)).map(([name]) => name);
    expect(missing).toEqual([]);
    for (const unit of APPLIANCE_UNITS) expect(train.some((l) => itemsOf(l.action).some((i) => i.unit === unit)), unit).toBe(true);
  });

  it('converts Fahrenheit and reads simple durations exactly', () => {
    let fahrenheit = 0;
    let durations = 0;
    for (const { text, action } of [...train, ...test]) {
      const said = text.toLowerCase();
      if (action.intent === 'temperature.set') {
        const m = /(minus |negative |-)?(\d+) ?(?:°f|f\b|degrees f\b|degrees fahrenheit|fahrenheit)/.exec(said);
        if (m) {
          fahrenheit++;
          expect(action.celsius, text).toBe(fahrenheitToCelsius((m[1] ? -1 : 1) * Number(m[2])));
        }
      }
      if (action.intent === 'timer.set' && !/and|half|quarter|couple|\d.*\d\D+\d|\d[ -]?h/.test(said)) {
        const m = /\b(\d+) ?(seconds|secs|sec|s|minutes|mins|min|m|hours|hrs|hr|h)\b/.exec(said);
        const rest = m ? said.replace(m[0], ' ') : '';
        if (m && !/\d\.\d/.test(said) && !/\d|(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|hr)\b/.test(rest)) {
          durations++;
          const unit = (m[2] as string)[0] === 's' ? 1 : (m[2] as string)[0] === 'm' ? 60 : 3600;
          expect(action.seconds, text).toBe(Number(m[1]) * unit);
        }
      }
    }
    expect(fahrenheit).toBeGreaterThan(50);
    expect(durations).toBeGreaterThan(300);
    expect([[0, -18], [32, 0], [40, 4], [-4, -20], [46, 8], [37, 3]].map(([f]) => fahrenheitToCelsius(f as number))).toEqual([-18, 0, 4, -20, 8, 3]);
  });

  it('says each unit with one of its spellings', () => {
    const spellings: Record<string, RegExp> = {
      g: /\d ?(?:g|gr|grams)\b|grams?\b|grammes?\b/, kg: /kilo|kg/, ml: /millilit|\d ?mls?\b/, l: /litre|liter|\d ?(?:l|ltr)\b/, lb: /pound|lbs?\b/,
      oz: /ounce|oz\b/, pack: /pack/, bottle: /bottle/, can: /\bcans?\b|\btins?\b/, carton: /carton/, bag: /\bbags?\b/, jar: /\bjars?\b/,
      box: /\bbox(?:es)?\b/, loaf: /loa(?:f|ves)/, bunch: /bunch/,
    };
    const bad: string[] = [];
    for (const { text, action } of train) {
      for (const item of itemsOf(action)) {
        if (item.unit !== undefined && spellings[item.unit]?.test(text.toLowerCase()) !== true) bad.push(`${text} -> ${item.unit}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('applies small typos to template words only', () => {
    const rng = new CorpusRandom(2);
    for (let i = 0; i < 200; i++) {
      const word = rng.pick(['shopping', 'timer', 'freezer', 'please', 'remove']);
      const slip = typo(rng, word);
      expect(Math.abs(slip.length - word.length)).toBeLessThanOrEqual(1);
      expect(slip[0]).toBe(word[0]);
    }
    expect(typo(rng, 'add')).toBe('add');
  });
});

describe('honest splits', () => {
  it('holds out whole templates: train and valid never use one, every test example uses held-out templates or names', () => {
    const held = CORPUS_TEMPLATES.filter((t) => t.heldOut);
    expect(held.length).toBeGreaterThanOrEqual(60);
    const heldIntents = new Set(held.map((t) => t.frame.intent));
    for (const intent of APPLIANCE_INTENTS) expect(heldIntents.has(intent), intent).toBe(true);
    expect(trainTemplates.every((e) => !/\.h\d+$/.test(e.template))).toBe(true);
    const testExamples = generateCorpus({ seed: APPLIANCE_CORPUS_SEED, size: 3000, split: 'test' });
    const heldName = phraseMatcher(HELD_PHRASES);
    for (const e of testExamples) {
      const usesHeldTemplate = /\.h\d+$/.test(e.template);
      const usesHeldName = heldName(e.text);
      expect(usesHeldTemplate || usesHeldName, `${e.template}: ${e.text}`).toBe(true);
    }
    expect(testExamples.filter((e) => /\.h\d+$/.test(e.template)).length).toBeGreaterThan(1500);
  });

  it('holds out whole food and dish names: no training or validation text contains one', () => {
    expect(HELD_OUT_FOODS.length).toBeGreaterThanOrEqual(40);
    expect(HELD_OUT_DISHES.length).toBeGreaterThanOrEqual(20);
    const foodNames = new Set(FOODS.map((f) => f.name));
    for (const n of HELD_OUT_FOODS) expect(foodNames.has(n), n).toBe(true);
    const dishNames = new Set(APPLIANCE_RECIPES.map((r) => r.dish));
    for (const n of HELD_OUT_DISHES) expect(dishNames.has(n), n).toBe(true);
    const held = phraseMatcher(HELD_PHRASES);
    const leaks = [...train, ...valid].filter((l) => held(l.text) || held(serializeAction(l.action)));
    expect(leaks.map((l) => l.text)).toEqual([]);
    expect(test.filter((l) => held(l.text)).length).toBeGreaterThan(1000);
  });

  it('shares no sentence between the test split and training', () => {
    const trainTexts = new Set(train.map((l) => normalizeSentence(l.text)));
    expect(test.filter((l) => trainTexts.has(normalizeSentence(l.text))).map((l) => l.text)).toEqual([]);
  });
});

describe('the evaluation set stays out', () => {
  it.skipIf(!haveExamples)('no generated sentence equals an example sentence (exactly or normalised)', () => {
    const exact = new Set(examples.map((e) => e.text));
    const normal = new Set(examples.map((e) => normalizeSentence(e.text)));
    for (const lines of [train, valid, test]) {
      expect(lines.filter((l) => exact.has(l.text) || normal.has(normalizeSentence(l.text))).map((l) => l.text)).toEqual([]);
    }
  });

  it.skipIf(!haveExamples)('the digest list matches examples.jsonl', () => {
    expect([...EVALUATION_DIGESTS].sort()).toEqual([...new Set(examples.map((e) => sentenceDigest(e.text)))].sort());
  });

  it.skipIf(!haveExamples)('every example action follows the contract schema', () => {
    expect(examples.length).toBeGreaterThan(50);
    for (const e of examples) {
      expect(validateAction(e.action), e.text).toMatchObject({ valid: true });
      expect(parseAction(JSON.stringify(e.action))).toEqual(JSON.parse(serializeAction(e.action as ApplianceAction)));
    }
  });
});

describe('food lexicon', () => {
  it('holds hundreds of foods with plurals and compound names, all valid names', () => {
    expect(FOODS.length).toBeGreaterThanOrEqual(400);
    expect(new Set(FOODS.map((f) => f.name)).size).toBe(FOODS.length);
    expect(FOODS.filter((f) => f.plural !== undefined).length).toBeGreaterThan(150);
    expect(FOODS.filter((f) => f.name.includes(' ')).length).toBeGreaterThan(100);
    for (const f of FOODS) {
      expect(validateAction({ intent: 'inventory.check', item: f.name }).valid, f.name).toBe(true);
      if (f.plural !== undefined) expect(f.plural).not.toBe(f.name);
    }
    expect(pluralOf.get('cherry tomato')).toBe('cherry tomatoes');
    expect(pluralOf.get('bay leaf')).toBe('bay leaves');
    const ingredients = new Set(APPLIANCE_RECIPES.flatMap((r) => r.ingredients));
    expect([...ingredients].filter((i) => !pluralOf.has(i))).toEqual([]);
  });
});
