/**
 * The appliance corpus: seeded, synthetic `{text, action}` pairs covering
 * every intent and slot rule of the contract, split honestly (the test split
 * holds out whole templates and whole food and dish names).
 */
import type { ApplianceAction, ApplianceIntent } from '../../appliance/action.js';
import { APPLIANCE_INTENTS, serializeAction, validateAction } from '../../appliance/action.js';
import { APPLIANCE_RECIPES } from '../../appliance/recipes.js';
import { isEvaluationSentence } from './decontaminate.js';
import { FOODS, HELD_OUT_FOODS, inventedFoods } from './food-lexicon.js';
import type { CorpusPools, Frame, Template } from './frame.js';
import { expandTemplate, templatesOf } from './frame.js';
import { KITCHEN_FRAMES } from './kitchen-frames.js';
import { UNKNOWN_FRAMES } from './out-of-domain.js';
import { CorpusRandom } from './random.js';
import { SHOPPING_FRAMES } from './shopping-frames.js';
import { surface } from './surface.js';

/** Which part of the corpus: `train` and `valid` share templates and names, `test` holds some out. */
export type CorpusSplit = 'train' | 'valid' | 'test';

/** One line of the corpus. */
export interface CorpusExample {
  /** The request, as a person would type or say it. */
  text: string;
  /** What it means. */
  action: ApplianceAction;
  /** The template it was said with (`<frame>.<n>`, `.h<n>` for held-out ones); not written to JSONL. */
  template: string;
}

/** Options of {@link generateCorpus}. */
export interface GenerateCorpusOptions {
  /** Any safe integer; the same seed, size and split give the same examples. */
  seed: number;
  /** Number of examples, >= 0. */
  size: number;
  /** Which split. */
  split: CorpusSplit;
}

/** How often each intent occurs (relative weights). */
export const INTENT_WEIGHTS: Readonly<Record<ApplianceIntent, number>> = {
  'shopping.add': 18,
  'shopping.remove': 8,
  'shopping.show': 4,
  'shopping.clear': 3.5,
  'inventory.check': 8,
  'inventory.expiring': 5,
  'temperature.set': 8,
  'temperature.query': 4.5,
  'timer.set': 10,
  'timer.cancel': 4.5,
  'recipe.suggest': 7,
  'recipe.ingredients': 7,
  'mode.set': 5.5,
  unknown: 8,
};

/** Extra weight for some frames (default: their number of templates). */
const FRAME_WEIGHTS: Readonly<Record<string, number>> = { 'ood.junk': 14, 'ood.chat': 16, 'mode.normal': 4, 'mode.chill': 5, 'add.split': 12 };

/**
 * Dishes only the test split names. Like {@link HELD_OUT_FOODS}, training
 * text never contains them.
 */
export const HELD_OUT_DISHES: readonly string[] = Object.freeze([
  'moussaka', 'shakshuka', 'tabbouleh', 'gazpacho', 'tiramisu', 'pavlova', 'goulash', 'biryani', 'ratatouille', 'falafel',
  'quesadilla', 'paella', 'frittata', 'focaccia', 'cheesecake', 'flapjack', 'samosa', 'korma', 'enchilada', 'panna cotta',
  'coq au vin', 'toad in the hole', 'beef wellington', 'waldorf salad',
]);

/** Things timers are for besides foods and dishes, said as people say them. */
const TIMER_LABELS = ['pasta', 'rice', 'eggs', 'boiled eggs', 'tea', 'coffee', 'roast', 'cake', 'bread', 'pizza', 'potatoes', 'soup',
  'steak', 'cookies', 'oven', 'dough', 'sauce', 'noodles', 'porridge', 'veg', 'vegetables', 'fish', 'lasagne', 'brownies', 'turkey',
  'gravy', 'bacon', 'toast', 'stew', 'curry', 'risotto', 'sausages', 'chicken', 'muffins', 'jacket potatoes', 'pie', 'tart',
  'casserole', 'crumble', 'bread dough', 'marinade', 'beans', 'broccoli', 'carrots', 'baby bottle', 'defrosting', 'kettle', 'jam',
  'yoghurt', 'pancakes', 'chips', 'popcorn', 'custard', 'scones', 'ham', 'salmon', 'lamb', 'dumplings', 'jelly', 'meringue'];

function containsPhrase(text: string, phrase: string): boolean {
  return new RegExp(`(?:^|[^\\p{L}])${phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:$|[^\\p{L}])`, 'u').test(text);
}

/** How many made-up foods ({@link inventedFoods}) join the training pool. */
export const INVENTED_FOODS = 90;
/** The seed of the made-up foods: fixed, so every corpus seed shares them. */
export const INVENTED_FOOD_SEED = 1;

interface Pools {
  train: CorpusPools;
  test: CorpusPools;
}

let cachedPools: Pools | undefined;

/** The training pools (held-out names removed, also from labels) and the held-out ones. */
function pools(): Pools {
  if (cachedPools) return cachedPools;
  const heldFoods = new Set(HELD_OUT_FOODS);
  const heldDishes = new Set(HELD_OUT_DISHES);
  const heldPhrases = [...HELD_OUT_FOODS, ...HELD_OUT_DISHES, ...FOODS.filter((f) => heldFoods.has(f.name)).map((f) => f.plural ?? f.name)];
  const clean = (s: string): boolean => !heldPhrases.some((p) => containsPhrase(s, p));
  const realFoods = FOODS.filter((f) => !heldFoods.has(f.name) && clean(f.name) && clean(f.plural ?? f.name));
  // About one food mention in six is a made-up name, so the model learns to copy names rather than recall them.
  const trainFoods = [...realFoods, ...inventedFoods(INVENTED_FOODS, INVENTED_FOOD_SEED).filter((f) => clean(f.name) && clean(f.plural ?? f.name))];
  const trainDishes = APPLIANCE_RECIPES.filter((r) => !heldDishes.has(r.dish) && clean(r.dish) && clean(r.plural ?? r.dish));
  const generic = TIMER_LABELS.filter(clean);
  // Mostly what people time (pasta, the roast), then dishes and foods for variety in what the model copies.
  const trainLabels = [...Array.from({ length: 8 }, () => generic).flat(), ...realFoods.map((f) => f.name), ...trainDishes.map((d) => d.dish)];
  const testFoods = FOODS.filter((f) => heldFoods.has(f.name));
  const testDishes = APPLIANCE_RECIPES.filter((r) => heldDishes.has(r.dish));
  cachedPools = {
    train: { foods: trainFoods, dishes: trainDishes, labels: trainLabels },
    test: { foods: testFoods, dishes: testDishes, labels: [...testFoods.map((f) => f.name), ...testDishes.map((d) => d.dish)] },
  };
  return cachedPools;
}

/** Every frame of the generator. */
export const CORPUS_FRAMES: readonly Frame[] = [...SHOPPING_FRAMES, ...KITCHEN_FRAMES, ...UNKNOWN_FRAMES];

/** Every template of the generator, training and held-out. */
export const CORPUS_TEMPLATES: readonly Template[] = Object.freeze(templatesOf(CORPUS_FRAMES));

/** Slots whose values come from the food, dish and label pools. */
const POOL_SLOTS = ['items', 'noun', 'pl', 'sg', 'label', 'ingr', 'dish', 'one', 'food'];

function usesPools(t: Template): boolean {
  return POOL_SLOTS.some((s) => t.slots.has(s));
}

const SPLIT_SALT: Record<CorpusSplit, number> = { train: 1, valid: 2, test: 3 };

/**
 * Generate one split of the appliance corpus.
 *
 * `train` and `valid` use the training templates and names (with different
 * random streams); every `test` example uses a held-out template, held-out
 * food/dish/label names, or both, so it measures phrasings and words the
 * model never saw. No example's text equals an evaluation sentence.
 *
 * @throws RangeError when `size` is not a non-negative integer or the seed is not a safe integer
 * @example
 * ```ts
 * const examples = generateCorpus({ seed: 7, size: 1000, split: 'train' });
 * examples[0]; // { text: 'could you put two litres of milk on the list', action: {...}, template: 'add.list.2' }
 * ```
 */
export function generateCorpus(options: GenerateCorpusOptions): CorpusExample[] {
  const { seed, size, split } = options;
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`size must be a non-negative integer, found ${size}`);
  if (!(split in SPLIT_SALT)) throw new RangeError(`split must be train, valid or test, found ${String(split)}`);
  const rng = new CorpusRandom(seed, SPLIT_SALT[split]);
  const { train: trainPools, test: testPools } = pools();
  const intents = APPLIANCE_INTENTS.map((i) => [i, INTENT_WEIGHTS[i]] as const);
  const byIntent = new Map<ApplianceIntent, Template[]>();
  for (const t of CORPUS_TEMPLATES) byIntent.set(t.frame.intent, [...(byIntent.get(t.frame.intent) ?? []), t]);

  const seen = new Set<string>();
  const out: CorpusExample[] = [];
  while (out.length < size) {
    const intent = rng.weighted(intents);
    const all = byIntent.get(intent) ?? [];
    let heldTemplate = false;
    let heldPools = false;
    if (split === 'test') {
      const mode = rng.weighted([['template', 1], ['names', 1], ['both', 1]] as const);
      heldTemplate = mode !== 'names';
      heldPools = mode !== 'template';
    }
    let candidates = candidatesFor(intent, all, heldTemplate, heldPools);
    if (candidates.frames.length === 0) {
      heldTemplate = split === 'test';
      heldPools = false;
      candidates = candidatesFor(intent, all, heldTemplate, false);
    }
    const frame = rng.weighted(candidates.frames);
    const template = rng.pick(candidates.byFrame.get(frame) as Template[]);
    const poolsForExample = heldPools ? testPools : trainPools;
    let example: CorpusExample | undefined;
    for (let attempt = 0; attempt < 8; attempt++) {
      const scene = template.frame.build(rng, poolsForExample, template);
      const text = surface(rng, template, expandTemplate(rng, template.text, scene.vars));
      if (isEvaluationSentence(text)) continue;
      example = { text, action: scene.action, template: template.id };
      if (!seen.has(text)) break;
    }
    if (example === undefined) continue;
    const valid = validateAction(example.action);
    if (!valid.valid) throw new Error(`corpus bug: template ${template.id} built an invalid action: ${valid.errors.join('; ')}`);
    seen.add(example.text);
    out.push(example);
  }
  return out;
}

interface Candidates {
  /** Frames with at least one candidate template, and their weights. */
  frames: (readonly [Frame, number])[];
  /** The candidate templates of each frame. */
  byFrame: Map<Frame, Template[]>;
}

const candidateCache = new Map<string, Candidates>();

/** Templates of an intent that are (or are not) held out, optionally only those that name foods, dishes or labels. */
function candidatesFor(intent: ApplianceIntent, all: readonly Template[], heldOut: boolean, needPools: boolean): Candidates {
  const key = `${intent}/${heldOut}/${needPools}`;
  let c = candidateCache.get(key);
  if (!c) {
    const byFrame = new Map<Frame, Template[]>();
    for (const t of all) {
      if (t.heldOut !== heldOut || (needPools && !usesPools(t))) continue;
      byFrame.set(t.frame, [...(byFrame.get(t.frame) ?? []), t]);
    }
    c = { byFrame, frames: [...byFrame.keys()].map((f) => [f, FRAME_WEIGHTS[f.id] ?? f.train.length] as const) };
    candidateCache.set(key, c);
  }
  return c;
}

/**
 * One JSONL line per example: `{"text":...,"action":...}` with the action
 * in canonical text, `\n` after every line.
 */
export function corpusToJsonl(examples: readonly CorpusExample[]): string {
  return examples.map((e) => `{"text":${JSON.stringify(e.text)},"action":${serializeAction(e.action)}}\n`).join('');
}

/** The names the test split holds out, for reports: foods and dishes. */
export function heldOutNames(): { foods: readonly string[]; dishes: readonly string[] } {
  return { foods: HELD_OUT_FOODS, dishes: HELD_OUT_DISHES };
}
