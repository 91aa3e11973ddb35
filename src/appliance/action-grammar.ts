/**
 * The appliance contract as a byte grammar: the canonical action texts that
 * `serializeAction` writes, each followed by a newline. Generation
 * constrained by it (`GenerateOptions.constraint`) can only write text that
 * `parseAction` accepts.
 */
import type { ByteGrammar, GrammarNode } from '../runtime/byte-grammar.js';
import {
  APPLIANCE_INTENTS, APPLIANCE_INTENT_SLOTS, APPLIANCE_MODES, APPLIANCE_NAME_MAX_LENGTH, APPLIANCE_UNITS, APPLIANCE_ZONES,
} from './action.js';
import { validateAction } from './action.js';
import type { ApplianceIntent, ApplianceSlot } from './action.js';

/** Most digits before the decimal point of a number in an action (integers below 10^9). */
export const ACTION_INTEGER_DIGITS = 9;
/**
 * Most digits after the decimal point. With {@link ACTION_INTEGER_DIGITS}
 * a number has at most 15 significant digits, so every number text the
 * grammar accepts is exactly what `JSON.stringify` writes for its value.
 */
export const ACTION_FRACTION_DIGITS = 6;

const text = (t: string): GrammarNode => ({ type: 'text', text: t });
const seq = (...items: GrammarNode[]): GrammarNode => ({ type: 'seq', items });
const alt = (...items: GrammarNode[]): GrammarNode => ({ type: 'alt', items });
const optional = (item: GrammarNode): GrammarNode => ({ type: 'repeat', item, min: 0, max: 1 });
const many = (item: GrammarNode, min = 0, max?: number): GrammarNode => ({ type: 'repeat', item, min, ...(max === undefined ? {} : { max }) });
const rule = (name: string): GrammarNode => ({ type: 'rule', name });
const bytes = (...ranges: Array<[number, number]>): GrammarNode => ({ type: 'byte', ranges });
/** `"a"` or `"b"` ...: one of the strings, quoted. */
const oneOf = (values: readonly string[]): GrammarNode => seq(text('"'), alt(...values.map(text)), text('"'));
/** `[x]`, `[x,x]`, ...: a JSON array of one or more `item`. */
const list = (item: GrammarNode): GrammarNode => seq(text('['), item, many(seq(text(','), item)), text(']'));

const digit = bytes([0x30, 0x39]);
const nonZeroDigit = bytes([0x31, 0x39]);

/**
 * One character of a name: printable ASCII except upper case, space, `"` and
 * `\`, or a Latin-1 lower-case letter (U+00DF..U+00F6, U+00F8..U+00FF).
 * The contract's pattern allows every character that is not white space,
 * upper case, a control code, `"` or `\`; this is a subset of it, so every
 * name the grammar accepts is valid, and it holds everything the corpus
 * writes (see docs/assistant.md).
 */
const nameChar = alt(
  bytes([0x21, 0x21], [0x23, 0x40], [0x5b, 0x5b], [0x5d, 0x7e]),
  seq(bytes([0xc3, 0xc3]), bytes([0x9f, 0xb6], [0xb8, 0xbf])),
);

/**
 * Exactly one of `texts`, as a trie of alternatives: texts sharing a prefix
 * share its states, which keeps the automaton small for hundreds of names.
 */
function oneOfTexts(texts: readonly string[]): GrammarNode {
  const byFirst = new Map<string, string[]>();
  let ends = false;
  for (const t of texts) {
    if (t === '') {
      ends = true;
      continue;
    }
    const first = String.fromCodePoint(t.codePointAt(0)!);
    const rest = byFirst.get(first) ?? [];
    rest.push(t.slice(first.length));
    byFirst.set(first, rest);
  }
  const branches: GrammarNode[] = [];
  if (ends) branches.push(seq());
  for (const [first, rest] of byFirst) {
    // A single path continues as one text node.
    if (rest.length === 1) branches.push(text(first + rest[0]!));
    else branches.push(seq(text(first), oneOfTexts(rest)));
  }
  return branches.length === 1 ? branches[0]! : alt(...branches);
}

/** The only values each number slot may take (`numberCandidates(request)` gives them); absent or empty means any. */
export interface ActionNumberChoices {
  /** Values of an item's `quantity`, each positive. */
  quantity?: readonly number[];
  /** Values of a timer's `seconds`, each a positive integer. */
  seconds?: readonly number[];
  /** Values of `celsius`. */
  celsius?: readonly number[];
}

/** Options of {@link buildActionGrammar}. */
export interface ActionGrammarOptions {
  /**
   * The names (`name`, `item`, `label`, `dish`, `ingredients`) an action may
   * use, e.g. `nameCandidates(request)`: each must be a valid name (lower
   * case, single spaces, at most 48 characters). Default: any valid name.
   * An empty list also means any.
   *
   * @throws RangeError from {@link buildActionGrammar} for a name the contract refuses
   */
  names?: readonly string[];
  /**
   * The only values `quantity` (positive), `seconds` (positive integers) and `celsius` may take, e.g.
   * `numberCandidates(request)`. Default, or an empty list: any number.
   *
   * @throws RangeError from {@link buildActionGrammar} for a value an action cannot carry
   */
  numbers?: ActionNumberChoices;
  /**
   * The only intents actions may have. Default, or an empty list: every
   * intent of the contract.
   *
   * @throws RangeError from {@link buildActionGrammar} for an intent the contract does not have
   */
  intents?: readonly ApplianceIntent[];
}

const ACTION_NUMBER_TEXT = new RegExp(`^-?\\d{1,${ACTION_INTEGER_DIGITS}}(?:\\.\\d{1,${ACTION_FRACTION_DIGITS}})?$`, 'u');

/**
 * Whether an action can carry `value`: a finite number whose JSON text has at
 * most {@link ACTION_INTEGER_DIGITS} digits before the point and
 * {@link ACTION_FRACTION_DIGITS} after it (so not 1/3, not 1e21).
 */
export function isActionNumber(value: number): boolean {
  return typeof value === 'number' && ACTION_NUMBER_TEXT.test(JSON.stringify(Object.is(value, -0) ? 0 : value));
}

/** The texts of `values` as actions write them, checked: {@link isActionNumber}, and positive when `positive`. */
function numberTexts(values: readonly number[], slot: string, positive: boolean): string[] {
  return [...new Set(values.map((v) => {
    if (!isActionNumber(v) || (positive && !(v > 0))) {
      throw new RangeError(`numbers.${slot} must hold ${positive ? 'positive ' : ''}numbers with at most ${ACTION_INTEGER_DIGITS} digits before the point and ${ACTION_FRACTION_DIGITS} after it, found ${String(v)}`);
    }
    return JSON.stringify(Object.is(v, -0) ? 0 : v);
  }))];
}

function slotValue(intent: ApplianceIntent, slot: ApplianceSlot): GrammarNode {
  switch (slot) {
    case 'items':
      return list(rule(intent === 'shopping.add' ? 'addItem' : 'removeItem'));
    case 'item':
    case 'label':
    case 'dish':
      return rule('name');
    case 'ingredients':
      return list(rule('name'));
    case 'within_days':
      return rule('nonNegativeInteger');
    case 'seconds':
      return rule('seconds');
    case 'celsius':
      return rule('celsius');
    case 'zone':
      return oneOf(APPLIANCE_ZONES);
    case 'mode':
      return oneOf(APPLIANCE_MODES);
  }
}

function intentBody(intent: ApplianceIntent): GrammarNode {
  const slots = APPLIANCE_INTENT_SLOTS[intent].map(({ slot, required }) => {
    const node = seq(text(`,"${slot}":`), slotValue(intent, slot));
    return required ? node : optional(node);
  });
  return seq(text(`${intent}"`), ...slots);
}

/**
 * Build the grammar of canonical action texts from the contract tables in
 * `action.ts` (intents, their slots in order, units, zones, modes, the name
 * length limit). Prefer the shared {@link APPLIANCE_ACTION_GRAMMAR}: the
 * worker compiles a grammar once per model and reuses it.
 *
 * @param options - optionally, the only intents, names and numbers actions may use
 * @returns a new grammar object
 * @throws RangeError when a name in `options.names` is not a valid name, or a number in `options.numbers` one an action cannot carry, or an intent in `options.intents` unknown
 * @example
 * ```ts
 * const { text } = await model.generate('add milk\n', { constraint: buildActionGrammar(), temperature: 0 }).result;
 * parseAction(text); // never throws
 * ```
 */
export function buildActionGrammar(options: ActionGrammarOptions = {}): ByteGrammar {
  const names = options.names ?? [];
  for (const name of names) {
    if (typeof name !== 'string' || !validateAction({ intent: 'inventory.check', item: name }).valid) {
      throw new RangeError(`names must be valid action names (lower case, single spaces, at most ${APPLIANCE_NAME_MAX_LENGTH} characters), found ${JSON.stringify(name)}`);
    }
  }
  const anyName: GrammarNode = { type: 'maxChars', max: APPLIANCE_NAME_MAX_LENGTH, item: seq(nameChar, many(alt(nameChar, seq(text(' '), nameChar)))) };
  const positiveInteger = seq(nonZeroDigit, many(digit, 0, ACTION_INTEGER_DIGITS - 1));
  const intents = options.intents === undefined || options.intents.length === 0 ? APPLIANCE_INTENTS : options.intents;
  for (const intent of intents) {
    if (!(APPLIANCE_INTENTS as readonly string[]).includes(intent)) throw new RangeError(`intents must be intents of the contract, found ${JSON.stringify(intent)}`);
  }
  const quantities = numberTexts(options.numbers?.quantity ?? [], 'quantity', true);
  const durations = numberTexts(options.numbers?.seconds ?? [], 'seconds', true);
  if (durations.some((t) => t.includes('.'))) throw new RangeError('numbers.seconds must hold integers');
  const temperatures = numberTexts(options.numbers?.celsius ?? [], 'celsius', false);
  const fraction = seq(text('.'), many(digit, 0, ACTION_FRACTION_DIGITS - 1), nonZeroDigit);
  return {
    start: 'action',
    rules: {
      action: seq(text('{"intent":"'), alt(...[...new Set(intents)].map(intentBody)), text('}\n')),
      // Canonical item keys: name, then quantity, then unit, each only when present.
      addItem: seq(
        text('{"name":'), rule('name'),
        optional(seq(text(',"quantity":'), rule('quantity'))),
        optional(seq(text(',"unit":'), oneOf(APPLIANCE_UNITS))),
        text('}'),
      ),
      removeItem: seq(text('{"name":'), rule('name'), text('}')),
      // Lower-case words separated by single spaces, 1..48 characters, quoted; or one of the names given.
      name: seq(text('"'), names.length === 0 ? anyName : oneOfTexts([...new Set(names)].sort()), text('"')),
      positiveInteger,
      nonNegativeInteger: alt(text('0'), positiveInteger),
      // JSON.stringify's form: no leading zeros, no trailing zeros after the point, no exponent.
      positiveNumber: alt(seq(positiveInteger, optional(fraction)), seq(text('0'), fraction)),
      // Any number; "-0" is left out because JSON.stringify writes it as "0".
      number: alt(text('0'), rule('positiveNumber'), seq(text('-'), rule('positiveNumber'))),
      quantity: quantities.length === 0 ? rule('positiveNumber') : oneOfTexts(quantities.sort()),
      seconds: durations.length === 0 ? rule('positiveInteger') : oneOfTexts(durations.sort()),
      celsius: temperatures.length === 0 ? rule('number') : oneOfTexts(temperatures.sort()),
    },
  };
}

/**
 * The grammar of canonical appliance actions, one per line: pass it as
 * `constraint` to `Model.generate`. Frozen and shared, so the worker's
 * compiled automaton and token masks are reused across requests.
 *
 * @example
 * ```ts
 * const { text } = await model.generate('add two litres of milk\n', { constraint: APPLIANCE_ACTION_GRAMMAR, temperature: 0 }).result;
 * // '{"intent":"shopping.add","items":[{"name":"milk","quantity":2,"unit":"l"}]}\n'
 * ```
 */
export const APPLIANCE_ACTION_GRAMMAR: ByteGrammar = deepFreeze(buildActionGrammar());

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
