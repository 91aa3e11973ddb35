/**
 * The appliance action contract (`ACTIONS.md`): the types of every action,
 * its closed JSON Schema, and the canonical text the model learns to write.
 *
 * Canonical text is JSON with `intent` first, then the intent's slots in the
 * contract's table order (`items` entries as `name`, `quantity`, `unit`),
 * written by `JSON.stringify` without spaces, e.g.
 * `{"intent":"shopping.add","items":[{"name":"milk","quantity":2,"unit":"l"}]}`.
 */
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { TinyEdgeError } from '../errors.js';

/** Every intent of the contract, in the order of its table. */
export const APPLIANCE_INTENTS = [
  'shopping.add',
  'shopping.remove',
  'shopping.show',
  'shopping.clear',
  'inventory.check',
  'inventory.expiring',
  'temperature.set',
  'temperature.query',
  'timer.set',
  'timer.cancel',
  'recipe.suggest',
  'recipe.ingredients',
  'mode.set',
  'unknown',
] as const;

/** One of {@link APPLIANCE_INTENTS}. */
export type ApplianceIntent = (typeof APPLIANCE_INTENTS)[number];

/** Units an item's `unit` may take. */
export const APPLIANCE_UNITS = ['g', 'kg', 'ml', 'l', 'lb', 'oz', 'pack', 'bottle', 'can', 'carton', 'bag', 'jar', 'box', 'loaf', 'bunch'] as const;

/** One of {@link APPLIANCE_UNITS}. */
export type ApplianceUnit = (typeof APPLIANCE_UNITS)[number];

/** Temperature zones of the appliance. */
export const APPLIANCE_ZONES = ['fridge', 'freezer'] as const;

/** One of {@link APPLIANCE_ZONES}. */
export type ApplianceZone = (typeof APPLIANCE_ZONES)[number];

/** Operating modes of the appliance. */
export const APPLIANCE_MODES = ['normal', 'eco', 'holiday', 'party', 'sabbath'] as const;

/** One of {@link APPLIANCE_MODES}. */
export type ApplianceMode = (typeof APPLIANCE_MODES)[number];

/**
 * Every slot key in canonical order: the order of the contract's table, which
 * is also the order {@link serializeAction} writes them in.
 */
export const APPLIANCE_SLOT_ORDER = ['items', 'item', 'within_days', 'zone', 'celsius', 'seconds', 'label', 'ingredients', 'dish', 'mode'] as const;

/** One of {@link APPLIANCE_SLOT_ORDER}. */
export type ApplianceSlot = (typeof APPLIANCE_SLOT_ORDER)[number];

/** One slot an intent takes. */
export interface ApplianceSlotSpec {
  /** The slot's key. */
  slot: ApplianceSlot;
  /** Whether every action of the intent has it. */
  required: boolean;
}

/** The slots each intent takes, in canonical order, and which of them are required. */
export const APPLIANCE_INTENT_SLOTS: Readonly<Record<ApplianceIntent, readonly ApplianceSlotSpec[]>> = {
  'shopping.add': [{ slot: 'items', required: true }],
  'shopping.remove': [{ slot: 'items', required: true }],
  'shopping.show': [],
  'shopping.clear': [],
  'inventory.check': [{ slot: 'item', required: true }],
  'inventory.expiring': [{ slot: 'within_days', required: false }],
  'temperature.set': [{ slot: 'zone', required: true }, { slot: 'celsius', required: true }],
  'temperature.query': [{ slot: 'zone', required: true }],
  'timer.set': [{ slot: 'seconds', required: true }, { slot: 'label', required: false }],
  'timer.cancel': [{ slot: 'label', required: false }],
  'recipe.suggest': [{ slot: 'ingredients', required: false }],
  'recipe.ingredients': [{ slot: 'dish', required: true }],
  'mode.set': [{ slot: 'mode', required: true }],
  unknown: [],
};

/** One entry of a shopping list: a singular, lower-case name with an optional amount. */
export interface ShoppingItem {
  /** Lower case, singular, no articles or quantity words, e.g. `peanut butter`. */
  name: string;
  /** A positive number ("a dozen" is 12, "half a" is 0.5); absent when none was said. */
  quantity?: number;
  /** The unit, absent when none was said ("three apples"). */
  unit?: ApplianceUnit;
}

/** `shopping.add`: put one or more items on the shopping list. */
export interface ShoppingAddAction {
  /** The intent. */
  intent: 'shopping.add';
  /** One or more items. */
  items: ShoppingItem[];
}

/** An item of a `shopping.remove` action: its name only. */
export interface RemovedItem {
  /** Lower case, singular, as for {@link ShoppingItem.name}. */
  name: string;
}

/** `shopping.remove`: take one or more items off the shopping list (names only). */
export interface ShoppingRemoveAction {
  /** The intent. */
  intent: 'shopping.remove';
  /** One or more items, each with only a name. */
  items: RemovedItem[];
}

/** `shopping.show`: show the shopping list. */
export interface ShoppingShowAction {
  /** The intent. */
  intent: 'shopping.show';
}

/** `shopping.clear`: empty the shopping list. */
export interface ShoppingClearAction {
  /** The intent. */
  intent: 'shopping.clear';
}

/** `inventory.check`: is there any of an item left? */
export interface InventoryCheckAction {
  /** The intent. */
  intent: 'inventory.check';
  /** The item's name, singular and lower case. */
  item: string;
}

/** `inventory.expiring`: what goes off soon. */
export interface InventoryExpiringAction {
  /** The intent. */
  intent: 'inventory.expiring';
  /** Days ahead, an integer >= 0 ("today" 0, "this week" 7); absent for "soon". */
  within_days?: number;
}

/** `temperature.set`: set a zone's target temperature. */
export interface TemperatureSetAction {
  /** The intent. */
  intent: 'temperature.set';
  /** The zone, `fridge` when none was said. */
  zone: ApplianceZone;
  /** Target in degrees Celsius (Fahrenheit is converted and rounded). */
  celsius: number;
}

/** `temperature.query`: ask a zone's temperature. */
export interface TemperatureQueryAction {
  /** The intent. */
  intent: 'temperature.query';
  /** The zone, `fridge` when none was said. */
  zone: ApplianceZone;
}

/** `timer.set`: start a kitchen timer. */
export interface TimerSetAction {
  /** The intent. */
  intent: 'timer.set';
  /** Duration in seconds, a positive integer. */
  seconds: number;
  /** What the timer is for, lower case ("pasta"). */
  label?: string;
}

/** `timer.cancel`: stop a timer (the only or the labelled one). */
export interface TimerCancelAction {
  /** The intent. */
  intent: 'timer.cancel';
  /** Which timer, lower case. */
  label?: string;
}

/** `recipe.suggest`: suggest something to cook, optionally from given ingredients. */
export interface RecipeSuggestAction {
  /** The intent. */
  intent: 'recipe.suggest';
  /** Ingredient names, singular and lower case; absent when none were said. */
  ingredients?: string[];
}

/** `recipe.ingredients`: list what a dish needs. */
export interface RecipeIngredientsAction {
  /** The intent. */
  intent: 'recipe.ingredients';
  /** The dish, singular and lower case ("pancake"). */
  dish: string;
}

/** `mode.set`: switch the appliance's operating mode. */
export interface ModeSetAction {
  /** The intent. */
  intent: 'mode.set';
  /** The mode. */
  mode: ApplianceMode;
}

/** `unknown`: anything outside the kitchen. */
export interface UnknownAction {
  /** The intent. */
  intent: 'unknown';
}

/**
 * One action of the appliance contract, discriminated by `intent`.
 *
 * @example
 * ```ts
 * const action: ApplianceAction = { intent: 'timer.set', seconds: 600, label: 'pasta' };
 * ```
 */
export type ApplianceAction =
  | ShoppingAddAction
  | ShoppingRemoveAction
  | ShoppingShowAction
  | ShoppingClearAction
  | InventoryCheckAction
  | InventoryExpiringAction
  | TemperatureSetAction
  | TemperatureQueryAction
  | TimerSetAction
  | TimerCancelAction
  | RecipeSuggestAction
  | RecipeIngredientsAction
  | ModeSetAction
  | UnknownAction;

/**
 * What every name, item, ingredient, dish and label must match (a JSON Schema
 * `pattern`, read with the `u` flag): lower case (no upper-case letter),
 * words separated by single spaces, no leading or trailing space, no quote,
 * backslash or control character, so canonical text never needs a JSON
 * escape inside a name. Lower-case ASCII words (`[a-z0-9'&-]+`) are a subset,
 * which is what the bundled model writes.
 */
export const APPLIANCE_NAME_PATTERN = '^[^\\s\\p{Lu}\\p{Cc}"\\\\]+(?: [^\\s\\p{Lu}\\p{Cc}"\\\\]+)*$';

/** Longest name or label, in characters (Unicode code points, as JSON Schema counts them). */
export const APPLIANCE_NAME_MAX_LENGTH = 48;

const nameSchema = { type: 'string', minLength: 1, maxLength: APPLIANCE_NAME_MAX_LENGTH, pattern: APPLIANCE_NAME_PATTERN };

function intentSchema(intent: ApplianceIntent, properties: Record<string, unknown>): Record<string, unknown> {
  const slots = APPLIANCE_INTENT_SLOTS[intent];
  return {
    type: 'object',
    properties: { intent: { const: intent }, ...properties },
    required: ['intent', ...slots.filter((s) => s.required).map((s) => s.slot)],
    additionalProperties: false,
  };
}

/**
 * The contract as a closed JSON Schema (draft 2020-12 keywords, validated with
 * ajv): `oneOf` one object schema per intent, discriminated by `intent`, each
 * with `additionalProperties: false`. `docs/appliance-action.schema.json` is
 * this object written out.
 */
export const APPLIANCE_ACTION_SCHEMA: Readonly<Record<string, unknown>> = deepFreeze({
  $id: 'urn:tinyedge:appliance-action',
  title: 'tinyedge appliance action',
  description: 'One action of the appliance contract (ACTIONS.md).',
  type: 'object',
  required: ['intent'],
  properties: { intent: { enum: [...APPLIANCE_INTENTS] } },
  discriminator: { propertyName: 'intent' },
  oneOf: [
    intentSchema('shopping.add', {
      items: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          properties: {
            name: nameSchema,
            quantity: { type: 'number', exclusiveMinimum: 0 },
            unit: { enum: [...APPLIANCE_UNITS] },
          },
          required: ['name'],
          additionalProperties: false,
        },
      },
    }),
    intentSchema('shopping.remove', {
      items: {
        type: 'array',
        minItems: 1,
        items: { type: 'object', properties: { name: nameSchema }, required: ['name'], additionalProperties: false },
      },
    }),
    intentSchema('shopping.show', {}),
    intentSchema('shopping.clear', {}),
    intentSchema('inventory.check', { item: nameSchema }),
    intentSchema('inventory.expiring', { within_days: { type: 'integer', minimum: 0 } }),
    intentSchema('temperature.set', { zone: { enum: [...APPLIANCE_ZONES] }, celsius: { type: 'number' } }),
    intentSchema('temperature.query', { zone: { enum: [...APPLIANCE_ZONES] } }),
    intentSchema('timer.set', { seconds: { type: 'integer', minimum: 1 }, label: nameSchema }),
    intentSchema('timer.cancel', { label: nameSchema }),
    intentSchema('recipe.suggest', { ingredients: { type: 'array', minItems: 1, items: nameSchema } }),
    intentSchema('recipe.ingredients', { dish: nameSchema }),
    intentSchema('mode.set', { mode: { enum: [...APPLIANCE_MODES] } }),
    intentSchema('unknown', {}),
  ],
});

/** The outcome of {@link validateAction}. */
export type ActionValidation =
  | {
      /** The value follows the contract. */
      valid: true;
      /** The value, typed (the same object that was passed). */
      action: ApplianceAction;
    }
  | {
      /** The value breaks the contract. */
      valid: false;
      /** One line per violation, e.g. `/items/0/unit must be one of g, kg, ...`. */
      errors: string[];
    };

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, discriminator: true, strict: true }).compile(APPLIANCE_ACTION_SCHEMA);
  return compiled;
}

/**
 * Check a value (typically `JSON.parse` output) against the contract's closed
 * JSON Schema: the intent exists, exactly its slots are present, required
 * slots are there, and every value has the right type and range (names lower
 * case, `quantity` > 0, `seconds` and `within_days` integers, units, zones
 * and modes from their enums).
 *
 * @param value - any value
 * @returns `{ valid: true, action }` or `{ valid: false, errors }`; never throws
 * @example
 * ```ts
 * validateAction({ intent: 'mode.set', mode: 'holiday' }).valid; // true
 * validateAction({ intent: 'mode.set', mode: 'vacation' });      // { valid: false, errors: ['/mode must be one of ...'] }
 * ```
 */
export function validateAction(value: unknown): ActionValidation {
  const validate = validator();
  if (validate(value)) return { valid: true, action: value as ApplianceAction };
  return { valid: false, errors: formatErrors(validate.errors ?? []) };
}

function formatErrors(errors: ErrorObject[]): string[] {
  const lines = errors.map((e) => {
    const at = e.instancePath === '' ? '(action)' : e.instancePath;
    if (e.keyword === 'enum') return `${at} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    if (e.keyword === 'additionalProperties') return `${at} has no slot "${(e.params as { additionalProperty: string }).additionalProperty}"`;
    if (e.keyword === 'pattern') return `${at} must be lower case words separated by single spaces`;
    return `${at} ${e.message ?? 'is invalid'}`;
  });
  // ajv adds a generic discriminator line next to the precise one about `intent`.
  const precise = lines.filter((l) => !l.includes('value of tag "intent"'));
  return [...new Set(precise.length > 0 ? precise : lines)];
}

/**
 * Canonical text of an action: `intent` first, then its slots in contract
 * order, items as `name`, `quantity`, `unit`, no spaces. Equal actions give
 * equal text whatever their key order; this is exactly what the model is
 * trained to write.
 *
 * @param action - a valid action
 * @returns one line of JSON, no trailing newline
 * @throws TypeError when `action` does not follow the contract (the message lists why)
 * @example
 * ```ts
 * serializeAction({ items: [{ unit: 'l', quantity: 2, name: 'milk' }], intent: 'shopping.add' });
 * // '{"intent":"shopping.add","items":[{"name":"milk","quantity":2,"unit":"l"}]}'
 * ```
 */
export function serializeAction(action: ApplianceAction): string {
  const result = validateAction(action);
  if (!result.valid) throw new TypeError(`serializeAction: not a valid appliance action: ${result.errors.join('; ')}`);
  return JSON.stringify(canonicalize(result.action));
}

/** A fresh copy of a valid action with keys in canonical order. */
function canonicalize(action: ApplianceAction): ApplianceAction {
  const source = action as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { intent: action.intent };
  for (const { slot } of APPLIANCE_INTENT_SLOTS[action.intent]) {
    const value = source[slot];
    if (value === undefined) continue;
    if (slot === 'items') {
      out.items = (value as ShoppingItem[]).map((item) => {
        const entry: Record<string, unknown> = { name: item.name };
        if (item.quantity !== undefined) entry.quantity = item.quantity;
        if (item.unit !== undefined) entry.unit = item.unit;
        return entry;
      });
    } else if (slot === 'ingredients') {
      out.ingredients = [...(value as string[])];
    } else {
      out[slot] = value;
    }
  }
  return out as unknown as ApplianceAction;
}

/**
 * Parse action text (canonical or any key order, surrounding whitespace
 * allowed) and check it against the contract.
 *
 * @param text - one JSON object
 * @returns the action with keys in canonical order
 * @throws TinyEdgeError `E_ACTION_INVALID` when the text is not JSON or breaks the contract (the message lists why)
 * @example
 * ```ts
 * parseAction('{"intent":"timer.set","seconds":600,"label":"pasta"}'); // { intent: 'timer.set', seconds: 600, label: 'pasta' }
 * ```
 */
export function parseAction(text: string): ApplianceAction {
  if (typeof text !== 'string') throw new TypeError('parseAction: text must be a string');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new TinyEdgeError('E_ACTION_INVALID', `action text is not JSON: ${(err as Error).message} in ${preview(text)}`, ACTION_HINT, { cause: err });
  }
  const result = validateAction(value);
  if (!result.valid) {
    throw new TinyEdgeError('E_ACTION_INVALID', `action ${preview(text)} breaks the contract: ${result.errors.join('; ')}`, ACTION_HINT);
  }
  return canonicalize(result.action);
}

const ACTION_HINT = 'An action is one JSON object with an "intent" and that intent\'s slots, as ACTIONS.md describes (see docs/appliance-data.md).';

function preview(text: string): string {
  const s = JSON.stringify(text);
  return s.length > 80 ? `${s.slice(0, 77)}..."` : s;
}

/**
 * True when two valid actions say the same thing: same intent, same slots,
 * same values, whatever the key order. Array order (items, ingredients)
 * matters. An invalid action equals nothing.
 *
 * @example
 * ```ts
 * actionsEqual({ intent: 'timer.set', seconds: 60 }, { seconds: 60, intent: 'timer.set' } as ApplianceAction); // true
 * ```
 */
export function actionsEqual(a: ApplianceAction, b: ApplianceAction): boolean {
  const va = validateAction(a);
  const vb = validateAction(b);
  if (!va.valid || !vb.valid) return false;
  return JSON.stringify(canonicalize(va.action)) === JSON.stringify(canonicalize(vb.action));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
