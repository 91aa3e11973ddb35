/**
 * Frames and templates: the corpus generator's unit of phrasing. A frame
 * builds the values of one kind of request (which food, how much, which
 * zone...) and the action they mean; its templates are the sentences that
 * say them. Templates are what the test split holds out.
 *
 * Template syntax: `[a|b|]` picks one alternative (the empty one too),
 * `{slot}` is replaced by the frame's value of that name. A leading `@`
 * marks an imperative ("could you" may precede it); a trailing `?` marks a
 * question (it may end with a question mark).
 */
import type { ApplianceAction, ApplianceIntent } from '../../appliance/action.js';
import type { Recipe } from '../../appliance/recipes.js';
import type { Food } from './food-lexicon.js';
import type { CorpusRandom } from './random.js';

/** The names a frame may draw from: the training pools or the held-out ones. */
export interface CorpusPools {
  /** Foods to name. */
  foods: readonly Food[];
  /** Dishes to name. */
  dishes: readonly Recipe[];
  /** What timers may be for, as said ("pasta", "boiled eggs"). */
  labels: readonly string[];
}

/** The values of one request: text for each slot, and the action they mean. */
export interface Scene {
  /** Text for each `{slot}` of the template. */
  vars: Record<string, string>;
  /** The action the request means. */
  action: ApplianceAction;
}

/** A family of templates that share one way of building values. */
export interface Frame {
  /** Stable id, e.g. `add.list`. */
  id: string;
  /** The intent every template of the frame means. */
  intent: ApplianceIntent;
  /** Templates training and validation use. */
  train: readonly string[];
  /** Templates only the test split uses. */
  heldOut: readonly string[];
  /** Values for one request said with `template`. */
  build(rng: CorpusRandom, pools: CorpusPools, template: Template): Scene;
}

/** One template of a frame. */
export interface Template {
  /** `<frame id>.<n>` for training templates, `<frame id>.h<n>` for held-out ones. */
  id: string;
  /** The frame it belongs to. */
  frame: Frame;
  /** The template text without its `@`/`?` markers. */
  text: string;
  /** True for templates only the test split uses. */
  heldOut: boolean;
  /** Starts with a verb in the imperative. */
  imperative: boolean;
  /** Is a question. */
  question: boolean;
  /** The slot names it uses. */
  slots: ReadonlySet<string>;
}

/** Every template of the given frames. */
export function templatesOf(frames: readonly Frame[]): Template[] {
  const out: Template[] = [];
  for (const frame of frames) {
    const add = (raw: string, index: number, heldOut: boolean): void => {
      let text = raw;
      const imperative = text.startsWith('@');
      if (imperative) text = text.slice(1);
      const question = text.endsWith('?');
      if (question) text = text.slice(0, -1);
      const slots = new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string));
      out.push({ id: `${frame.id}.${heldOut ? 'h' : ''}${index}`, frame, text, heldOut, imperative, question, slots });
    };
    frame.train.forEach((t, i) => add(t, i, false));
    frame.heldOut.forEach((t, i) => add(t, i, true));
  }
  return out;
}

/** A piece of an expanded template: literal words, or a slot's value. */
export interface Piece {
  /** `true` for template words (typos may touch them), `false` for slot values. */
  literal: boolean;
  /** The text. */
  text: string;
}

/** Expand a template's alternatives and fill its slots. */
export function expandTemplate(rng: CorpusRandom, text: string, vars: Record<string, string>): Piece[] {
  const pieces: Piece[] = [];
  const resolved = text.replace(/\[([^\]]*)\]/g, (_, body: string) => rng.pick(body.split('|')));
  let last = 0;
  for (const m of resolved.matchAll(/\{(\w+)\}/g)) {
    const name = m[1] as string;
    const value = vars[name];
    if (value === undefined) throw new Error(`corpus template "${text}" uses {${name}}, which its frame does not set`);
    pieces.push({ literal: true, text: resolved.slice(last, m.index) });
    pieces.push({ literal: false, text: value });
    last = m.index + m[0].length;
  }
  pieces.push({ literal: true, text: resolved.slice(last) });
  return pieces;
}

/** "a", "a and b", "a, b and c" (or other joiners people use). */
export function joinList(rng: CorpusRandom, parts: readonly string[]): string {
  if (parts.length <= 1) return parts[0] ?? '';
  const style = rng.weighted([['and', 10], ['oxford', 2], ['commas', 1.5], ['plus', 0.7], ['ampersand', 0.4], ['and-and', 0.6]] as const);
  const head = parts.slice(0, -1);
  const tail = parts[parts.length - 1] as string;
  switch (style) {
    case 'and': return `${head.join(', ')} and ${tail}`;
    case 'oxford': return parts.length > 2 ? `${head.join(', ')}, and ${tail}` : `${head.join(', ')} and ${tail}`;
    case 'commas': return parts.join(', ');
    case 'plus': return `${head.join(', ')} plus ${tail}`;
    case 'ampersand': return `${head.join(', ')} & ${tail}`;
    case 'and-and': return parts.join(' and ');
  }
}
