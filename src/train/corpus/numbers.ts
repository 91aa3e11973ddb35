/**
 * How people say numbers, durations, temperatures and days, each rendered
 * together with the value the action must carry.
 */
import { fahrenheitToCelsius } from '../../appliance/number-candidates.js';
import type { CorpusRandom } from './random.js';

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

/**
 * An integer 0..9999 in English words ("two hundred and fifty"); tens and
 * units joined by a space or, when `hyphen`, a hyphen ("twenty-five").
 */
export function numberWords(n: number, hyphen = false): string {
  if (!Number.isInteger(n) || n < 0 || n > 9999) throw new RangeError(`numberWords: ${n} is outside 0..9999`);
  if (n < 20) return ONES[n] as string;
  if (n < 100) {
    const unit = n % 10;
    return unit === 0 ? (TENS[Math.floor(n / 10)] as string) : `${TENS[Math.floor(n / 10)]}${hyphen ? '-' : ' '}${ONES[unit]}`;
  }
  if (n < 1000) {
    const rest = n % 100;
    const head = `${ONES[Math.floor(n / 100)]} hundred`;
    return rest === 0 ? head : `${head} and ${numberWords(rest, hyphen)}`;
  }
  const rest = n % 1000;
  const head = `${numberWords(Math.floor(n / 1000))} thousand`;
  return rest === 0 ? head : `${head}${rest < 100 ? ' and ' : ' '}${numberWords(rest, hyphen)}`;
}

/** An integer as people write or say it: digits, or words (with "a hundred" for 100). */
export function sayInteger(rng: CorpusRandom, n: number, pDigits = 0.45): string {
  if (rng.chance(pDigits)) return String(n);
  if (n === 100 && rng.chance(0.5)) return 'a hundred';
  if (n === 1000 && rng.chance(0.5)) return 'a thousand';
  return numberWords(n, rng.chance(0.3));
}

/**
 * A positive amount before a plural or singular noun, e.g. "two", "2",
 * "one and a half", "1.5", "half a". Returns the text and whether the noun
 * that follows is singular ("half a kilo", "a litre") or plural.
 */
export function sayAmount(rng: CorpusRandom, q: number): { text: string; singular: boolean } {
  if (q === 0.5) return rng.chance(0.8) ? { text: 'half a', singular: true } : { text: '0.5', singular: false };
  if (q === 0.25) return rng.chance(0.7) ? { text: 'a quarter of a', singular: true } : { text: '0.25', singular: false };
  if (q === 1) return { text: rng.weighted([['a', 5], ['one', 3], ['1', 2]] as const), singular: true };
  if (q === 2 && rng.chance(0.15)) return { text: 'a couple of', singular: false };
  if (!Number.isInteger(q)) {
    const whole = Math.floor(q);
    const frac = q - whole;
    if (frac === 0.5 && rng.chance(0.6)) {
      const head = rng.chance(0.35) ? String(whole) : numberWords(whole);
      return { text: `${head} and a half`, singular: false };
    }
    return { text: String(q), singular: false };
  }
  return { text: sayInteger(rng, q), singular: false };
}

/** A duration in seconds and how it was said. */
export interface SaidDuration {
  /** What the request says, e.g. "an hour and a half". */
  text: string;
  /** The value, an integer number of seconds. */
  seconds: number;
}

const SECOND_WORDS = ['seconds', 'secs', 'sec', 's'] as const;
const MINUTE_WORDS = ['minutes', 'mins', 'min'] as const;
const HOUR_WORDS = ['hours', 'hrs', 'hr', 'h'] as const;

function unitWord(rng: CorpusRandom, n: number, words: readonly string[], full: string): string {
  // Abbreviations are written after digits only; words take the singular for one.
  const word = rng.chance(0.8) ? full : rng.pick(words);
  if (n === 1 && word === full) return full.slice(0, -1);
  return word;
}

function countOf(rng: CorpusRandom, n: number, full: 'seconds' | 'minutes' | 'hours'): string {
  const words = full === 'seconds' ? SECOND_WORDS : full === 'minutes' ? MINUTE_WORDS : HOUR_WORDS;
  const digits = rng.chance(0.5);
  const number = digits ? String(n) : n === 1 ? rng.pick(full === 'hours' ? ['one', 'an'] : ['one', 'a']) : numberWords(n, rng.chance(0.3));
  const word = digits ? unitWord(rng, n, words, full) : n === 1 ? full.slice(0, -1) : full;
  const glue = digits && word.length <= 4 && word !== 'hour' && rng.chance(0.5) ? '' : ' ';
  return `${number}${glue}${word}`;
}

/**
 * A timer duration between 5 seconds and a few hours, said in one of many
 * ways: "ten minutes", "90 seconds", "an hour and a half", "1h", "half an
 * hour", "2 hours and 15 minutes", "a minute and a half".
 */
export function sayDuration(rng: CorpusRandom): SaidDuration {
  const kind = rng.weighted([
    ['minutes', 40], ['seconds', 10], ['hours', 8], ['idiom', 16], ['mixed', 12], ['and-a-half', 8], ['compact', 4],
  ] as const);
  switch (kind) {
    case 'minutes': {
      const m = rng.weighted([[rng.int(1, 15), 5], [rng.pick([20, 25, 30, 35, 40, 45, 50, 55, 60, 75, 90]), 3], [rng.int(16, 59), 2]] as const);
      return { text: countOf(rng, m, 'minutes'), seconds: m * 60 };
    }
    case 'seconds': {
      const s = rng.weighted([[rng.pick([10, 15, 20, 30, 40, 45, 60, 90, 120]), 3], [rng.int(5, 150), 2]] as const);
      return { text: countOf(rng, s, 'seconds'), seconds: s };
    }
    case 'hours': {
      const h = rng.int(1, 4);
      return { text: countOf(rng, h, 'hours'), seconds: h * 3600 };
    }
    case 'idiom':
      return rng.pick<SaidDuration>([
        { text: 'an hour', seconds: 3600 },
        { text: 'a minute', seconds: 60 },
        { text: 'half an hour', seconds: 1800 },
        { text: 'half a minute', seconds: 30 },
        { text: 'a half hour', seconds: 1800 },
        { text: 'a quarter of an hour', seconds: 900 },
        { text: 'quarter of an hour', seconds: 900 },
        { text: 'a quarter hour', seconds: 900 },
        { text: 'three quarters of an hour', seconds: 2700 },
        { text: 'an hour and a half', seconds: 5400 },
        { text: 'a minute and a half', seconds: 90 },
        { text: 'an hour and a quarter', seconds: 4500 },
        { text: 'a couple of minutes', seconds: 120 },
        { text: 'a couple of hours', seconds: 7200 },
      ]);
    case 'and-a-half': {
      const unit = rng.pick(['minutes', 'hours'] as const);
      const whole = unit === 'hours' ? rng.int(1, 3) : rng.int(1, 12);
      const seconds = (whole * 2 + 1) * (unit === 'hours' ? 1800 : 30);
      const style = rng.int(0, 2);
      const text = style === 0 ? `${numberWords(whole)} and a half ${unit}`
        : style === 1 ? `${whole} and a half ${unit}`
          : `${whole}.5 ${unit}`;
      return { text, seconds };
    }
    case 'mixed': {
      if (rng.chance(0.5)) {
        const h = rng.int(1, 3);
        const m = rng.pick([5, 10, 15, 20, 25, 30, 40, 45, 50]);
        const hours = h === 1 && rng.chance(0.5) ? 'an hour' : countOf(rng, h, 'hours');
        return { text: `${hours}${rng.pick([' and ', ' ', ', '])}${countOf(rng, m, 'minutes')}`, seconds: h * 3600 + m * 60 };
      }
      const m = rng.int(1, 20);
      const s = rng.pick([10, 15, 20, 30, 40, 45, 50]);
      const minutes = m === 1 && rng.chance(0.5) ? 'a minute' : countOf(rng, m, 'minutes');
      return { text: `${minutes}${rng.pick([' and ', ' '])}${countOf(rng, s, 'seconds')}`, seconds: m * 60 + s };
    }
    case 'compact': {
      if (rng.chance(0.5)) {
        const m = rng.int(1, 59);
        return { text: `${m}${rng.pick(['m', 'min', ' min'])}`, seconds: m * 60 };
      }
      const h = rng.int(1, 2);
      const m = rng.pick([10, 15, 20, 30, 45]);
      return { text: `${h}h${rng.pick(['', ' '])}${m}${rng.pick(['m', 'min'])}`, seconds: h * 3600 + m * 60 };
    }
  }
}

/** A target temperature and how it was said. */
export interface SaidTemperature {
  /** What the request says, e.g. "minus eighteen" or "40 degrees fahrenheit". */
  text: string;
  /** The value in degrees Celsius (Fahrenheit converted and rounded to a whole degree). */
  celsius: number;
  /** True when the text names a scale or says "degrees" (so it can stand alone). */
  explicit: boolean;
}


/**
 * A temperature for a zone: fridges mostly between 0 and 8 degrees C (or
 * 32..46 F), freezers mostly between -26 and -14 (or -15..7 F), one in ten
 * outside that band; minus said as "minus",
 * "negative", "-" or "below zero".
 */
export function sayTemperature(rng: CorpusRandom, zone: 'fridge' | 'freezer'): SaidTemperature {
  if (rng.chance(0.2)) {
    const f = zone === 'fridge' ? rng.int(32, 46) : rng.int(-15, 7);
    const number = f < 0 ? sayNegative(rng, -f) : sayInteger(rng, f, 0.6);
    const scale = !/\d$/.test(number) ? rng.pick([' degrees fahrenheit', ' fahrenheit', ' degrees F']) : rng.weighted([
      [' degrees fahrenheit', 4], [' fahrenheit', 3], ['°F', 2], [' °F', 1], [' F', 1], [' degrees F', 1], ['F', 1],
    ] as const);
    return { text: `${number}${scale}`, celsius: fahrenheitToCelsius(f), explicit: true };
  }
  // Now and then a value outside the usual band ("twenty degrees"), so the model copies the number said instead of snapping to a familiar one.
  const c = zone === 'fridge'
    ? rng.weighted([[rng.int(1, 7), 8], [rng.pick([0, 8, 2.5, 3.5, 4.5]), 1], [rng.int(9, 30), 1]] as const)
    : rng.weighted([[rng.int(-24, -15), 8], [rng.pick([-26, -25, -14, -16.5]), 1], [rng.pick([rng.int(-40, -27), rng.int(-13, -1)]), 1]] as const);
  const number = c < 0 ? sayNegative(rng, -c) : Number.isInteger(c) ? sayInteger(rng, c, 0.55) : String(c);
  const words = !/\d$/.test(number);
  const scale = words ? rng.weighted([['', 3], [' degrees', 6], [' degrees celsius', 3], [' celsius', 1], [' degrees centigrade', 0.5]] as const) : rng.weighted([
    ['', 4], [' degrees', 6], [' degrees celsius', 3], [' celsius', 1], ['°C', 2], [' °C', 1], ['C', 1], [' degrees C', 1],
    [' degrees centigrade', 0.5], ['°', 1],
  ] as const);
  const text = number.endsWith(' below zero') || number.endsWith(' below') ? number : `${number}${scale}`;
  return { text, celsius: c, explicit: scale !== '' || text.includes('below') || c < 0 };
}

function sayNegative(rng: CorpusRandom, n: number): string {
  const digits = Number.isInteger(n) ? sayInteger(rng, n, 0.5) : String(n);
  return rng.weighted([
    [`minus ${digits}`, 6], [`-${n}`, 3], [`negative ${digits}`, 2], [`${digits} below zero`, 1], [`${digits} below`, 0.5],
  ] as const);
}

/** A time span for `inventory.expiring` and its `within_days`, or no slot for vague spans. */
export interface SaidDays {
  /** What the request says, e.g. "in the next three days"; `''` when no span is said. */
  text: string;
  /** Days, or `undefined` for "soon" and for requests that say no span. */
  days?: number;
}

/**
 * A span of days: "today" 0, "tomorrow" 1, "this week" 7, "in the next N
 * days" N, "within two weeks" 14; "soon" and no span give no value.
 */
export function sayDays(rng: CorpusRandom): SaidDays {
  const kind = rng.weighted([['fixed', 10], ['next-n', 8], ['weeks', 2], ['vague', 4], ['none', 3]] as const);
  if (kind === 'fixed') {
    return rng.pick<SaidDays>([
      { text: 'today', days: 0 }, { text: 'tonight', days: 0 }, { text: 'by tonight', days: 0 }, { text: 'by the end of today', days: 0 },
      { text: 'by the end of the day', days: 0 }, { text: 'tomorrow', days: 1 }, { text: 'by tomorrow', days: 1 },
      { text: 'this week', days: 7 }, { text: 'within a week', days: 7 }, { text: 'in the next week', days: 7 },
      { text: 'over the next seven days', days: 7 }, { text: 'in the next 7 days', days: 7 }, { text: 'before the end of the week', days: 7 },
      { text: 'in the next couple of days', days: 2 }, { text: 'in the next 24 hours', days: 1 }, { text: 'in the next 48 hours', days: 2 },
      { text: 'the day after tomorrow', days: 2 }, { text: 'by the day after tomorrow', days: 2 },
    ]);
  }
  if (kind === 'next-n') {
    const n = rng.int(2, 13);
    const number = sayInteger(rng, n, 0.45);
    const text = rng.pick([`in the next ${number} days`, `within ${number} days`, `within the next ${number} days`,
      `over the next ${number} days`, `in ${number} days or less`, `in under ${number} days`, `next ${number} days`]);
    return { text, days: n };
  }
  if (kind === 'weeks') {
    const w = rng.int(2, 3);
    return rng.pick<SaidDays>([
      { text: `in the next ${numberWords(w)} weeks`, days: w * 7 }, { text: `within ${w} weeks`, days: w * 7 },
      { text: 'within a fortnight', days: 14 }, { text: 'in the next fortnight', days: 14 }, { text: 'in the next two weeks', days: 14 },
    ]);
  }
  if (kind === 'vague') return { text: rng.pick(['soon', 'shortly', 'any time soon', 'pretty soon', 'before long']) };
  return { text: '' };
}

/**
 * A duration used as an adjective before "timer": "ten minute", "3-minute",
 * "90 second", "two hour", "half hour", "5 min".
 */
export function sayDurationAdjective(rng: CorpusRandom): SaidDuration {
  const kind = rng.weighted([['minute', 6], ['second', 2], ['hour', 1], ['idiom', 1]] as const);
  if (kind === 'idiom') return rng.pick<SaidDuration>([{ text: 'half hour', seconds: 1800 }, { text: 'half-hour', seconds: 1800 }, { text: 'quarter hour', seconds: 900 }]);
  const n = kind === 'minute' ? rng.weighted([[rng.int(1, 15), 4], [rng.pick([20, 25, 30, 40, 45, 60, 90]), 2]] as const)
    : kind === 'second' ? rng.pick([10, 15, 20, 30, 45, 60, 90]) : rng.int(1, 3);
  const number = sayInteger(rng, n, 0.5);
  const word = kind === 'minute' && /^\d/.test(number) && rng.chance(0.2) ? 'min' : kind;
  const glue = rng.chance(0.3) ? '-' : ' ';
  return { text: `${number}${glue}${word}`, seconds: n * (kind === 'minute' ? 60 : kind === 'hour' ? 3600 : 1) };
}
