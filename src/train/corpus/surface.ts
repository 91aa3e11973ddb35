/**
 * The surface of a request: fillers ("could you", "um", "please"), small
 * typos in the template's own words (never in the names the action copies),
 * end punctuation and letter case.
 */
import type { Piece, Template } from './frame.js';
import type { CorpusRandom } from './random.js';

const POLITE_PREFIX: readonly (readonly [string, number])[] = [
  ['could you', 5], ['can you', 5], ['please', 5], ['would you', 2], ['could you please', 2], ['can you please', 1.5],
  ['I need you to', 0.7], ["I'd like you to", 0.7], ['kindly', 0.3], ['go ahead and', 0.5],
];
const ANY_PREFIX: readonly (readonly [string, number])[] = [
  ['um', 4], ['uh', 3], ['umm', 1.5], ['er', 1], ['erm', 1], ['hmm', 1.2], ['hey fridge,', 3], ['hey fridge', 1], ['fridge,', 1.5],
  ['ok', 1.5], ['okay so', 1], ['so', 1.5], ['right,', 1], ['oh,', 0.8], ['oh and', 1], ['and', 0.7], ['also', 0.7], ['quick question,', 0.5],
  ['hi,', 0.8], ['hey,', 1], ['actually', 0.8], ['alright,', 0.6], ['sorry,', 0.4], ['yo', 0.3], ['listen,', 0.3],
];
const POLITE_SUFFIX: readonly (readonly [string, number])[] = [
  ['please', 6], ['for me', 2], ['if you can', 1], ['now', 1], ['pls', 1.2], ['plz', 0.4], ['right away', 0.5], ['when you get a chance', 0.3],
];
const ANY_SUFFIX: readonly (readonly [string, number])[] = [
  ['thanks', 3], ['thank you', 2], ['cheers', 1], ['thx', 0.6], ['ta', 0.3], ['mate', 0.3], ['ok', 0.4], ['yeah', 0.3], ['again', 0.2],
];
const DISFLUENCIES = ['um', 'uh', 'er', 'like', 'um,', 'uh,', 'you know,'];

const KEY_NEIGHBOURS: Record<string, string> = {
  a: 'qsz', b: 'vn', c: 'xv', d: 'sf', e: 'wr', f: 'dg', g: 'fh', h: 'gj', i: 'uo', j: 'hk', k: 'jl', l: 'k', m: 'n', n: 'bm',
  o: 'ip', p: 'o', q: 'w', r: 'et', s: 'ad', t: 'ry', u: 'yi', v: 'cb', w: 'qe', x: 'zc', y: 'tu', z: 'x',
};

/** One small typing slip in a word: two letters swapped, one dropped, doubled or hit next to. */
export function typo(rng: CorpusRandom, word: string): string {
  if (word.length < 4) return word;
  const i = rng.int(1, word.length - 2);
  const c = word[i] as string;
  switch (rng.int(0, 3)) {
    case 0: return word.slice(0, i) + (word[i + 1] as string) + c + word.slice(i + 2);
    case 1: return word.slice(0, i) + word.slice(i + 1);
    case 2: return word.slice(0, i) + c + word.slice(i);
    default: {
      const near = KEY_NEIGHBOURS[c];
      return near === undefined ? word : word.slice(0, i) + rng.pick([...near]) + word.slice(i + 1);
    }
  }
}

/** Rates of each kind of noise, per request. */
export interface SurfaceRates {
  /** A typo in one of the template's words. */
  typo: number;
  /** A filler word in the middle. */
  disfluency: number;
  /** A filler before the request. */
  prefix: number;
  /** A filler after it. */
  suffix: number;
}

/** The rates the corpus uses. */
export const DEFAULT_SURFACE_RATES: SurfaceRates = { typo: 0.06, disfluency: 0.03, prefix: 0.24, suffix: 0.14 };

/** Turn an expanded template into the final request text. */
export function surface(rng: CorpusRandom, template: Template, pieces: Piece[], rates: SurfaceRates = DEFAULT_SURFACE_RATES): string {
  const parts = pieces.map((p) => ({ ...p }));
  if (rng.chance(rates.typo)) {
    const candidates: { piece: number; word: string }[] = [];
    parts.forEach((p, i) => {
      if (!p.literal) return;
      for (const w of p.text.match(/[a-z]{4,}/g) ?? []) candidates.push({ piece: i, word: w });
    });
    if (candidates.length > 0) {
      const { piece, word } = rng.pick(candidates);
      const part = parts[piece] as Piece;
      part.text = part.text.replace(new RegExp(`\\b${word}\\b`), typo(rng, word));
    }
  }
  if (rng.chance(rates.disfluency)) {
    const i = rng.int(0, parts.length - 1);
    const part = parts[i] as Piece;
    if (part.literal && / \S/.test(part.text)) {
      const spaces = [...part.text.matchAll(/ (?=\S)/g)].map((m) => m.index);
      const at = rng.pick(spaces);
      part.text = `${part.text.slice(0, at)} ${rng.pick(DISFLUENCIES)}${part.text.slice(at)}`;
    }
  }
  let text = parts.map((p) => p.text).join('').replace(/\s+/g, ' ').replace(/ ([,.:?!])/g, '$1').trim();
  let question = template.question;
  if (rng.chance(rates.prefix)) {
    const polite = template.imperative && rng.chance(0.55);
    const prefix = rng.weighted(polite ? POLITE_PREFIX : ANY_PREFIX);
    if (polite && prefix !== 'please' && prefix !== 'kindly' && prefix !== 'go ahead and' && !prefix.startsWith('I')) question = true;
    text = `${prefix} ${text}`;
  }
  if (rng.chance(rates.suffix)) {
    const suffix = rng.weighted(template.imperative && rng.chance(0.6) ? POLITE_SUFFIX : ANY_SUFFIX);
    text = `${text}${rng.chance(0.3) ? ',' : ''} ${suffix}`;
  }
  const end = question
    ? rng.weighted([['?', 5], ['', 4], [' ?', 0.3], ['??', 0.2]] as const)
    : rng.weighted([['', 12], ['.', 2.5], ['!', 0.6], ['...', 0.2]] as const);
  if (!/[?.!]$/.test(text)) text += end;
  return applyCase(rng, text);
}

function applyCase(rng: CorpusRandom, text: string): string {
  const style = rng.weighted([['lower', 55], ['sentence', 40], ['upper', 1.2], ['title', 0.5]] as const);
  if (style === 'upper') return text.toUpperCase();
  if (style === 'title') return text.replace(/\b([a-z])/g, (c) => c.toUpperCase());
  if (style === 'sentence') {
    const fixed = text.replace(/\bi\b(?=[ '’])/g, 'I');
    return fixed.charAt(0).toUpperCase() + fixed.slice(1);
  }
  return rng.chance(0.3) ? text.replace(/\bI\b/g, 'i') : text;
}
