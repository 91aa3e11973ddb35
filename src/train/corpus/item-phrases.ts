/**
 * How a request mentions a food, with or without an amount ("eggs", "an
 * avocado", "a dozen eggs", "half a kilo of carrots", "500g of beef", "some
 * more milk"), rendered together with the shopping item it means.
 */
import type { ApplianceUnit, ShoppingItem } from '../../appliance/action.js';
import { GROUP_UNITS } from './food-lexicon.js';
import type { Food } from './food-lexicon.js';
import { sayAmount, sayInteger } from './numbers.js';
import type { CorpusRandom } from './random.js';

/** A mention of a food and the item it stands for. */
export interface ItemPhrase {
  /** The words of the request. */
  text: string;
  /** The shopping item (name, and quantity and unit when said). */
  item: ShoppingItem;
}

/** Singular and plural spellings of each unit; abbreviations only follow digits. */
const UNIT_WORDS: Record<ApplianceUnit, { words: readonly (readonly [string, string])[]; abbrev?: readonly string[] }> = {
  g: { words: [['gram', 'grams'], ['gramme', 'grammes']], abbrev: ['g', 'gr', 'grams'] },
  kg: { words: [['kilo', 'kilos'], ['kilogram', 'kilograms'], ['kilogramme', 'kilogrammes']], abbrev: ['kg', 'kgs', 'kilo'] },
  ml: { words: [['millilitre', 'millilitres'], ['milliliter', 'milliliters']], abbrev: ['ml', 'mls'] },
  l: { words: [['litre', 'litres'], ['liter', 'liters']], abbrev: ['l', 'L', 'ltr'] },
  lb: { words: [['pound', 'pounds']], abbrev: ['lb', 'lbs'] },
  oz: { words: [['ounce', 'ounces']], abbrev: ['oz'] },
  pack: { words: [['pack', 'packs'], ['packet', 'packets'], ['package', 'packages']] },
  bottle: { words: [['bottle', 'bottles']] },
  can: { words: [['can', 'cans'], ['tin', 'tins']] },
  carton: { words: [['carton', 'cartons']] },
  bag: { words: [['bag', 'bags']] },
  jar: { words: [['jar', 'jars']] },
  box: { words: [['box', 'boxes']] },
  loaf: { words: [['loaf', 'loaves']] },
  bunch: { words: [['bunch', 'bunches']] },
};

/** Quantities that sound natural with each unit. */
const UNIT_QUANTITIES: Record<ApplianceUnit, readonly number[]> = {
  g: [100, 125, 150, 200, 250, 300, 400, 500, 500, 750, 50, 800, 1000, 350],
  kg: [1, 1, 2, 2, 3, 0.5, 0.5, 1.5, 2.5, 5, 0.25],
  ml: [100, 150, 200, 250, 300, 330, 500, 500, 750],
  l: [1, 1, 2, 2, 3, 4, 0.5, 1.5, 6],
  lb: [1, 1, 2, 3, 0.5, 1.5, 5, 0.25],
  oz: [2, 4, 6, 8, 12, 16],
  pack: [1, 1, 2, 2, 3, 4, 5, 6],
  bottle: [1, 1, 2, 2, 3, 4, 6, 12],
  can: [1, 2, 2, 3, 4, 6, 10, 12],
  carton: [1, 1, 2, 3, 4, 6],
  bag: [1, 1, 2, 3, 4],
  jar: [1, 1, 2, 3],
  box: [1, 1, 2, 3, 4],
  loaf: [1, 1, 2, 3, 0.5],
  bunch: [1, 1, 2, 3],
};

/** Words that say "some, unspecified", giving no quantity. */
const VAGUE_COUNT = ['some', 'a few', 'more', 'some more', 'a few more', 'extra', 'any', 'a couple more', 'several', 'lots of', 'plenty of'];
const VAGUE_MASS = ['some', 'more', 'a bit of', 'a little', 'a bit more', 'some more', 'extra', 'a little more', 'lots of', 'plenty of'];

/** The units a food comes in: its group's, then its own extras. */
function unitsOf(food: Food): readonly ApplianceUnit[] {
  const group = GROUP_UNITS[food.group];
  return food.extraUnits === undefined ? group : [...group, ...food.extraUnits.filter((u) => !group.includes(u))];
}

function article(word: string): string {
  return /^[aeiou]/.test(word) && !/^(?:eu|uni|use|one)/.test(word) ? 'an' : 'a';
}

/** "two litres of", "500g", "half a kilo of", "a jar of": an amount with its unit. */
function unitAmount(rng: CorpusRandom, unit: ApplianceUnit, q: number): string {
  const spec = UNIT_WORDS[unit];
  const useAbbrev = spec.abbrev !== undefined && rng.chance(0.35) && (Number.isInteger(q) || q === 1.5 || q === 2.5);
  if (useAbbrev && spec.abbrev) {
    const abbrev = rng.pick(spec.abbrev);
    const glue = abbrev.length <= 3 && rng.chance(0.6) ? '' : ' ';
    return `${q}${glue}${abbrev}`;
  }
  const [one, many] = rng.pick(spec.words);
  if (!Number.isInteger(q) && q > 1 && Math.round(q * 2) === q * 2 && rng.chance(0.25)) {
    // "a litre and a half", "two kilos and a half"
    const whole = Math.floor(q);
    return whole === 1 ? `${article(one)} ${one} and a half` : `${sayInteger(rng, whole, 0.3)} ${many} and a half`;
  }
  const amount = sayAmount(rng, q);
  const head = amount.text === 'a' ? article(one) : amount.text;
  return `${head} ${amount.singular ? one : many}`;
}

/** How an item is mentioned when there is nothing to count ("milk", "the milk", "some milk"). */
export function bareMention(rng: CorpusRandom, food: Food, determiners: readonly string[] = ['', '', '', 'some ', 'the ']): string {
  const noun = food.plural !== undefined && rng.chance(0.85) ? food.plural : food.name;
  const det = rng.pick(determiners);
  if (det === 'a ' || det === 'an ') return food.plural !== undefined ? `${article(food.name)} ${food.name}` : noun;
  return `${det}${noun}`;
}

/**
 * A food as a shopping request names it, with one of many ways of saying an
 * amount (or none). `withAmount` forces a quantity.
 */
export function itemPhrase(rng: CorpusRandom, food: Food, withAmount = false): ItemPhrase {
  const name = food.name;
  const countable = food.plural !== undefined;
  const units = unitsOf(food);
  const form = rng.weighted([
    ['bare', withAmount ? 0 : countable ? 5 : 7],
    ['article', withAmount || !countable ? 0 : 1.5],
    ['vague', withAmount ? 0 : 2],
    ['count', countable ? 5 : 0],
    ['dozen', countable && (food.group === 'egg' || food.group === 'bakery' || food.group === 'fruit' || food.group === 'snack') ? 1.5 : 0.2 * Number(countable)],
    ['couple', countable ? 1 : 0],
    ['unit', countable ? 3 : 6],
  ] as const);
  const plural = food.plural ?? name;
  switch (form) {
    case 'bare':
      return { text: plural, item: { name } };
    case 'article':
      return { text: `${article(name)} ${name}`, item: { name } };
    case 'vague':
      return { text: `${rng.pick(countable ? VAGUE_COUNT : VAGUE_MASS)} ${countable ? plural : name}`, item: { name } };
    case 'count': {
      const n = rng.weighted([[rng.int(2, 6), 6], [1, 2], [rng.int(7, 12), 2], [rng.pick([15, 20, 24, 30]), 0.5]] as const);
      const text = n === 1 ? `${rng.pick(['one', '1'])} ${name}` : `${sayInteger(rng, n)} ${plural}`;
      return { text, item: { name, quantity: n } };
    }
    case 'dozen': {
      const [words, n] = rng.weighted([[['a dozen', 12], 5], [['half a dozen', 6], 3], [['two dozen', 24], 1], [['1 dozen', 12], 0.5], [['one dozen', 12], 0.5], [['3 dozen', 36], 0.3]] as const);
      return { text: `${words} ${plural}`, item: { name, quantity: n } };
    }
    case 'couple':
      return { text: `${rng.weighted([['a couple of', 5], ['a couple', 1], ['a pair of', 0.5], ['couple of', 1]] as const)} ${plural}`, item: { name, quantity: 2 } };
    case 'unit': {
      const unit = rng.weighted(units.map((u, i) => [u, units.length - i] as const));
      const q = rng.pick(UNIT_QUANTITIES[unit]);
      const amount = unitAmount(rng, unit, q);
      const of = rng.weighted([[' of ', 9], [' ', 1]] as const);
      return { text: `${amount}${of}${countable ? plural : name}`, item: { name, quantity: q, unit } };
    }
  }
}

/**
 * An amount that follows the food, said on its own ("a jar", "two bottles",
 * "a dozen", "3"): for requests like "... honey, grab a jar".
 */
export function detachedAmount(rng: CorpusRandom, food: Food): { text: string; quantity: number; unit?: ApplianceUnit } {
  const countable = food.plural !== undefined;
  if (countable && rng.chance(0.4)) {
    const [text, quantity] = rng.weighted([[['a dozen', 12], 2], [['half a dozen', 6], 1], [['a couple', 2], 2], [['two', 2], 1], [['three', 3], 1], [['4', 4], 1], [['six', 6], 1], [['one', 1], 1]] as const);
    return { text, quantity };
  }
  const units = unitsOf(food);
  const unit = rng.weighted(units.map((u, i) => [u, units.length - i] as const));
  const q = rng.pick(UNIT_QUANTITIES[unit]);
  return { text: unitAmount(rng, unit, q), quantity: q, unit };
}
