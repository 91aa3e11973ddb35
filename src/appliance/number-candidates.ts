/**
 * The numbers a request can give. By the contract a `quantity` is a number
 * the request says ("two", "500g", "a dozen", "one and a half") and a
 * `celsius` is a temperature it says, converted when it is Fahrenheit.
 * Constraining those slots to these candidates stops a tiny model from
 * writing a familiar number ("300") for one it read ("500"), and from doing
 * Fahrenheit arithmetic in its head: the conversion is computed here, and
 * the model only chooses.
 */
import { isActionNumber } from './action-grammar.js';

const ONES: Readonly<Record<string, number>> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11,
  twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19,
};
const TENS: Readonly<Record<string, number>> = { twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };
/** Words that are a number on their own ("a couple of", "a pair of", "a dozen", "half a"). */
const SPECIAL: Readonly<Record<string, number>> = { a: 1, an: 1, couple: 2, pair: 2, dozen: 12, half: 0.5, quarter: 0.25 };
const VULGAR: Readonly<Record<string, number>> = { '½': 0.5, '¼': 0.25, '¾': 0.75 };

/** The numbers a request says, and the values a slot may take from them. */
export interface NumberCandidates {
  /** Every positive value a `quantity` may take, ascending; empty when the request says no number. */
  quantity: number[];
  /** Every value a timer's `seconds` may take, ascending; empty when the request names no unit of time. */
  seconds: number[];
  /** Every value a `celsius` may take, ascending; empty when the request says no number (digits or number words). */
  celsius: number[];
}

/**
 * Every number a request says: `plain` holds digits (`500`, `1.5`, `1,5`,
 * `-4`, `1/2`, also glued to a unit as in `500g`) and number words up to the
 * thousands ("two hundred and fifty", "twenty-five"); `amounts` also holds
 * the words that are amounts ("a", "a couple", "a dozen", "half", "quarter",
 * `½`).
 */
function saidNumbers(text: string): { plain: number[]; amounts: number[] } {
  const lower = text.toLowerCase();
  const out: number[] = [];
  const amounts: number[] = [];
  for (const m of lower.matchAll(/(\d+)\s*\/\s*(\d+)|\d+(?:[.,]\d+)?/gu)) {
    if (m[1] !== undefined && m[2] !== undefined) {
      const den = Number(m[2]);
      if (den !== 0) out.push(Number(m[1]) / den);
      out.push(Number(m[1]), den);
    } else out.push(Number(m[0].replace(',', '.')), ...m[0].split(/[.,]/u).map(Number));
  }
  for (const [glyph, value] of Object.entries(VULGAR)) if (lower.includes(glyph)) amounts.push(value);
  // Number words: a run like "two hundred and fifty five" is one value (and each word alone is one too).
  const words = lower.match(/[a-z]+/gu) ?? [];
  let total = 0;
  let current = 0;
  let inRun = false;
  const flush = (): void => {
    if (inRun) out.push(total + current);
    total = 0;
    current = 0;
    inRun = false;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const one = ONES[w];
    const ten = TENS[w];
    if (one !== undefined) {
      if (inRun && current % 10 !== 0 && current < 100) flush();
      out.push(one);
      current += one;
      inRun = true;
    } else if (ten !== undefined) {
      if (inRun && current % 100 !== 0) flush();
      out.push(ten);
      current += ten;
      inRun = true;
    } else if (w === 'hundred' && inRun) current = (current === 0 ? 1 : current) * 100;
    else if (w === 'thousand' && inRun) {
      total += (current === 0 ? 1 : current) * 1000;
      current = 0;
    } else if (w === 'and' && inRun && (ONES[words[i + 1] ?? ''] !== undefined || TENS[words[i + 1] ?? ''] !== undefined) && (total > 0 || current >= 100)) {
      // "two hundred and fifty" continues the run; "two and three" does not.
    } else {
      flush();
      if ((w === 'hundred' || w === 'thousand') && (words[i - 1] === 'a' || words[i - 1] === 'one')) out.push(w === 'hundred' ? 100 : 1000);
      const special = SPECIAL[w];
      if (special !== undefined) amounts.push(special);
    }
  }
  flush();
  return { plain: out, amounts: [...out, ...amounts] };
}

/**
 * Fahrenheit to Celsius, rounded to the nearest whole degree, as the contract
 * says ("zero degrees fahrenheit" -> -18).
 */
export function fahrenheitToCelsius(f: number): number {
  const c = Math.round(((f - 32) * 5) / 9);
  return Object.is(c, -0) ? 0 : c;
}

/** Seconds per unit of time, by how a request writes the unit (also glued to digits: "90s", "5min", "1h"). */
const TIME_UNITS: readonly (readonly [RegExp, number])[] = [
  [/(?:\b|\d)(?:seconds?|secs?|s)(?![a-z])/u, 1],
  [/(?:\b|\d)(?:minutes?|mins?|m)(?![a-z])/u, 60],
  [/(?:\b|\d)(?:hours?|hrs?|h)(?![a-z])/u, 3600],
];

/** Most `seconds` candidates: a request naming more durations than this is far outside what timers are asked for. */
const MAX_SECONDS_CANDIDATES = 512;

const sortedUnique = (values: Iterable<number>): number[] => [...new Set([...values].map((v) => (Object.is(v, -0) ? 0 : v)))].sort((a, b) => a - b);

/**
 * The values a request's `quantity`, `seconds` and `celsius` may take.
 *
 * - `quantity`: each positive number said; with "half" also each plus a half
 *   ("one and a half"); with "dozen" also each times twelve ("two dozen",
 *   "half a dozen").
 * - `seconds`: each amount said times each unit of time named (seconds,
 *   minutes, hours, also "90s", "5min", "1h"), with "and a half", "and a
 *   quarter" and "three quarters" applied, and each sum of two of those
 *   ("two hours and 15 minutes"); integers only.
 * - `celsius`: each number said (digits or number words, not "a" or
 *   "half") and its negative ("minus eighteen", "five below zero"); when the
 *   request names Fahrenheit ("°F", "fahrenheit", a lone "F") also each
 *   converted to Celsius and rounded, as the contract says.
 *
 * Values an action cannot carry (`isActionNumber`: more than 9 digits before
 * the point or 6 after it, such as 1/3) are left out. Wrong guesses are
 * harmless: they are only candidates, and the model picks among them.
 *
 * @param text - the request
 * @returns the candidates; a slot with none means the request says no number
 * @example
 * ```ts
 * numberCandidates('set the freezer to zero fahrenheit').celsius; // [-18, 0]
 * numberCandidates('add 500g of beef and a dozen eggs').quantity; // [1, 12, 500]
 * ```
 */
export function numberCandidates(text: string): NumberCandidates {
  if (typeof text !== 'string') throw new TypeError('text must be a string');
  const said = saidNumbers(text);
  const lower = text.toLowerCase();
  const quantity = new Set(said.amounts.filter((n) => n > 0));
  if (/\bhalf\b|½/u.test(lower)) for (const n of [...quantity]) quantity.add(n + 0.5);
  if (/\bdozens?\b/u.test(lower)) for (const n of [...quantity]) quantity.add(n * 12);
  const celsius = new Set(said.plain.flatMap((n) => [n, -n]));
  // Durations: each amount (with "and a half", "and a quarter", "three quarters" applied) in each unit named, and each sum of two of them ("2 hours and 15 minutes").
  const units = TIME_UNITS.filter(([re]) => re.test(lower)).map(([, s]) => s);
  const amounts = new Set(said.amounts.filter((n) => n > 0));
  if (/\bhalf\b/u.test(lower)) for (const n of [...amounts]) amounts.add(n + 0.5);
  if (/\bquarters?\b/u.test(lower)) for (const n of [...amounts]) amounts.add(n + 0.25).add(n * 0.75);
  const spans = [...amounts].flatMap((a) => units.map((u) => a * u)).filter((v) => Number.isInteger(v));
  const seconds = new Set(spans);
  for (const a of spans) for (const b of spans) if (seconds.size < MAX_SECONDS_CANDIDATES && a !== b) seconds.add(a + b);
  if (/fahrenheit|°\s*f\b|\d\s*f\b|\bf\b/u.test(lower)) for (const n of [...celsius]) celsius.add(fahrenheitToCelsius(n));
  const tidy = (values: Set<number>): number[] => sortedUnique(values).filter(isActionNumber);
  // Seconds are sums of positive amounts times positive units, so positive already.
  return { quantity: tidy(quantity), seconds: tidy(seconds), celsius: tidy(celsius) };
}
