/**
 * A serializable description of a regular language over bytes, the form in
 * which a constraint crosses from the caller to the inference worker (see
 * `GenerateOptions.constraint`). It is plain JSON: named rules built from
 * literal text, byte classes, sequences, alternatives and bounded or
 * unbounded repetition. Rules may refer to other rules but never, directly
 * or not, to themselves, so every grammar describes a regular language and
 * compiles to a finite automaton.
 */

/** The UTF-8 bytes of `text`, in order. */
export interface TextNode {
  /** Node kind. */
  type: 'text';
  /** The literal text. */
  text: string;
}

/** One byte inside any of the ranges. */
export interface ByteNode {
  /** Node kind. */
  type: 'byte';
  /** Inclusive `[low, high]` ranges of byte values, 0..255. */
  ranges: ReadonlyArray<readonly [number, number]>;
}

/** Each item in turn. */
export interface SeqNode {
  /** Node kind. */
  type: 'seq';
  /** The items, in order. */
  items: readonly GrammarNode[];
}

/** Exactly one of the items. */
export interface AltNode {
  /** Node kind. */
  type: 'alt';
  /** The alternatives, at least one. */
  items: readonly GrammarNode[];
}

/** `item` repeated. */
export interface RepeatNode {
  /** Node kind. */
  type: 'repeat';
  /** What repeats. */
  item: GrammarNode;
  /** Fewest repetitions, 0..{@link MAX_REPEAT}. */
  min: number;
  /** Most repetitions, `max(min, 1)`..{@link MAX_REPEAT}; absent for no limit. */
  max?: number;
}

/**
 * `item`, but only its texts of at most `max` UTF-8 characters (code
 * points: every byte outside 0x80..0xBF starts one), as JSON Schema's
 * `maxLength` counts them.
 */
export interface MaxCharsNode {
  /** Node kind. */
  type: 'maxChars';
  /** The language to cut. */
  item: GrammarNode;
  /** Most characters, 0..{@link MAX_REPEAT}. */
  max: number;
}

/** The rule called `name` (rules must not refer to themselves, directly or not). */
export interface RuleNode {
  /** Node kind. */
  type: 'rule';
  /** The rule's name in {@link ByteGrammar.rules}. */
  name: string;
}

/** One node of a {@link ByteGrammar}. */
export type GrammarNode = TextNode | ByteNode | SeqNode | AltNode | RepeatNode | MaxCharsNode | RuleNode;

/**
 * A regular grammar over bytes: the language of rule `start`.
 *
 * @example
 * ```ts
 * const yesNo: ByteGrammar = {
 *   start: 'answer',
 *   rules: { answer: { type: 'seq', items: [{ type: 'alt', items: [{ type: 'text', text: 'yes' }, { type: 'text', text: 'no' }] }, { type: 'text', text: '\n' }] } },
 * };
 * const { text } = await model.generate('Is it cold?\n', { constraint: yesNo, temperature: 0 }).result;
 * ```
 */
export interface ByteGrammar {
  /** Name of the rule whose language this grammar describes. */
  start: string;
  /** Rules by name. */
  rules: Readonly<Record<string, GrammarNode>>;
}

/** Most automaton states a grammar may expand to (repetitions are unrolled), so a typo cannot exhaust memory. */
export const MAX_GRAMMAR_STATES = 200_000;
/** Largest `max` (or `min`) of a bounded repetition. */
export const MAX_REPEAT = 4096;

const checked = new WeakMap<ByteGrammar, string>();

/**
 * True when this very grammar object went through {@link checkByteGrammar}
 * before: a caller reusing one object across generations (rather than
 * building a new one each time) is worth keeping it compiled for.
 */
export function isCheckedGrammar(grammar: ByteGrammar): boolean {
  return typeof grammar === 'object' && grammar !== null && checked.has(grammar);
}

/**
 * Check a grammar's shape and return a key that identifies it (a hash of its
 * JSON), which lets the worker reuse a compiled automaton. Results are
 * memoised per grammar object, so passing the same object again costs nothing.
 *
 * @param grammar - the grammar to check
 * @returns a short key, equal for grammars with equal JSON
 * @throws TypeError when a node or rule has the wrong shape
 * @throws RangeError when a rule is missing or recursive, a range or count is out of bounds,
 *   or the grammar expands to more than {@link MAX_GRAMMAR_STATES} states
 * @example
 * ```ts
 * const key = checkByteGrammar({ start: 'a', rules: { a: { type: 'text', text: 'ok' } } });
 * ```
 */
export function checkByteGrammar(grammar: ByteGrammar): string {
  if (typeof grammar !== 'object' || grammar === null) throw new TypeError('constraint must be a grammar object { start, rules }');
  const memo = checked.get(grammar);
  if (memo !== undefined) return memo;
  const { start, rules } = grammar;
  if (typeof start !== 'string') throw new TypeError('grammar.start must be a rule name');
  if (typeof rules !== 'object' || rules === null) throw new TypeError('grammar.rules must be an object of rules');
  const sizes = new Map<string, number>();
  const visiting = new Set<string>();

  const ruleSize = (name: string, path: string): number => {
    const known = sizes.get(name);
    if (known !== undefined) return known;
    if (!Object.hasOwn(rules, name)) throw new RangeError(`grammar rule "${name}" (at ${path}) is not defined`);
    if (visiting.has(name)) throw new RangeError(`grammar rule "${name}" refers to itself; grammars must be regular (no recursion)`);
    visiting.add(name);
    const size = nodeSize(rules[name]!, `rules.${name}`);
    visiting.delete(name);
    sizes.set(name, size);
    return size;
  };

  const nodeSize = (node: GrammarNode, path: string): number => {
    if (typeof node !== 'object' || node === null) throw new TypeError(`${path} must be a grammar node object`);
    let size: number;
    switch (node.type) {
      case 'text':
        if (typeof node.text !== 'string') throw new TypeError(`${path}.text must be a string`);
        size = Buffer.byteLength(node.text, 'utf8') + 1;
        break;
      case 'byte':
        if (!Array.isArray(node.ranges) || node.ranges.length === 0) throw new TypeError(`${path}.ranges must be a non-empty array of [low, high] pairs`);
        for (const [i, range] of node.ranges.entries()) {
          const [low, high] = Array.isArray(range) ? range : [];
          if (!isByte(low) || !isByte(high) || low > high) {
            throw new RangeError(`${path}.ranges[${i}] must be [low, high] with 0 <= low <= high <= 255, found ${JSON.stringify(range)}`);
          }
        }
        size = 2;
        break;
      case 'seq':
      case 'alt':
        if (!Array.isArray(node.items)) throw new TypeError(`${path}.items must be an array of nodes`);
        if (node.type === 'alt' && node.items.length === 0) throw new RangeError(`${path}.items must not be empty (an empty alternative matches nothing)`);
        size = 2;
        for (const [i, item] of node.items.entries()) size += nodeSize(item, `${path}.items[${i}]`);
        break;
      case 'repeat': {
        const { min, max } = node;
        if (!Number.isSafeInteger(min) || min < 0 || min > MAX_REPEAT) throw new RangeError(`${path}.min must be an integer in [0, ${MAX_REPEAT}], found ${String(min)}`);
        if (max !== undefined && (!Number.isSafeInteger(max) || max < Math.max(min, 1) || max > MAX_REPEAT)) {
          throw new RangeError(`${path}.max must be an integer in [max(min, 1), ${MAX_REPEAT}] or absent, found ${String(max)}`);
        }
        size = 2 + nodeSize(node.item, `${path}.item`) * Math.max(max ?? min + 1, 1);
        break;
      }
      case 'maxChars':
        if (!Number.isSafeInteger(node.max) || node.max < 0 || node.max > MAX_REPEAT) throw new RangeError(`${path}.max must be an integer in [0, ${MAX_REPEAT}], found ${String(node.max)}`);
        size = 2 + nodeSize(node.item, `${path}.item`) * (node.max + 1);
        break;
      case 'rule':
        if (typeof node.name !== 'string') throw new TypeError(`${path}.name must be a rule name`);
        size = ruleSize(node.name, path);
        break;
      default:
        throw new TypeError(`${path}.type must be text, byte, seq, alt, repeat, maxChars or rule, found ${JSON.stringify((node as { type?: unknown }).type)}`);
    }
    if (size > MAX_GRAMMAR_STATES) throw new RangeError(`the grammar expands to more than ${MAX_GRAMMAR_STATES} states at ${path}; lower its repetition bounds`);
    return size;
  };

  ruleSize(start, 'grammar.start');
  const key = hashText(JSON.stringify(grammar));
  checked.set(grammar, key);
  return key;
}

function isByte(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255;
}

/** Two 32-bit FNV-1a variants side by side: 64 bits of key, no crypto needed. */
function hashText(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  return `${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}`;
}
