import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  APPLIANCE_ACTION_SCHEMA, APPLIANCE_INTENTS, actionsEqual, parseAction, serializeAction, validateAction,
} from '../src/appliance/action.js';
import type { ApplianceAction } from '../src/appliance/action.js';
import { APPLIANCE_RECIPES, findRecipe } from '../src/appliance/recipes.js';
import { composeReply, formatDuration } from '../src/appliance/reply.js';
import { isTinyEdgeError } from '../src/errors.js';

/** One valid action per intent, keys deliberately out of canonical order. */
const ONE_OF_EACH: ApplianceAction[] = [
  { items: [{ unit: 'l', quantity: 2, name: 'milk' }, { name: 'egg' }], intent: 'shopping.add' },
  { intent: 'shopping.remove', items: [{ name: 'butter' }] },
  { intent: 'shopping.show' },
  { intent: 'shopping.clear' },
  { item: 'yoghurt', intent: 'inventory.check' },
  { within_days: 7, intent: 'inventory.expiring' },
  { celsius: -18, zone: 'freezer', intent: 'temperature.set' },
  { intent: 'temperature.query', zone: 'fridge' },
  { label: 'pasta', seconds: 600, intent: 'timer.set' },
  { intent: 'timer.cancel' },
  { ingredients: ['egg', 'spinach'], intent: 'recipe.suggest' },
  { dish: 'pancake', intent: 'recipe.ingredients' },
  { mode: 'holiday', intent: 'mode.set' },
  { intent: 'unknown' },
];

describe('appliance action contract', () => {
  it('accepts one action of every intent', () => {
    expect(ONE_OF_EACH.map((a) => a.intent).sort()).toEqual([...APPLIANCE_INTENTS].sort());
    for (const action of ONE_OF_EACH) expect(validateAction(action), JSON.stringify(action)).toEqual({ valid: true, action });
  });

  it('serializes with intent first, slots in table order and items as name, quantity, unit', () => {
    expect(ONE_OF_EACH.map(serializeAction)).toEqual([
      '{"intent":"shopping.add","items":[{"name":"milk","quantity":2,"unit":"l"},{"name":"egg"}]}',
      '{"intent":"shopping.remove","items":[{"name":"butter"}]}',
      '{"intent":"shopping.show"}',
      '{"intent":"shopping.clear"}',
      '{"intent":"inventory.check","item":"yoghurt"}',
      '{"intent":"inventory.expiring","within_days":7}',
      '{"intent":"temperature.set","zone":"freezer","celsius":-18}',
      '{"intent":"temperature.query","zone":"fridge"}',
      '{"intent":"timer.set","seconds":600,"label":"pasta"}',
      '{"intent":"timer.cancel"}',
      '{"intent":"recipe.suggest","ingredients":["egg","spinach"]}',
      '{"intent":"recipe.ingredients","dish":"pancake"}',
      '{"intent":"mode.set","mode":"holiday"}',
      '{"intent":"unknown"}',
    ]);
  });

  it('parses canonical and reordered text back to an equal action, canonical again', () => {
    for (const action of ONE_OF_EACH) {
      const text = serializeAction(action);
      expect(serializeAction(parseAction(text))).toBe(text);
      const shuffled = JSON.stringify(Object.fromEntries(Object.entries(action).reverse()), null, 1);
      expect(actionsEqual(parseAction(` ${shuffled}\n`), action)).toBe(true);
      expect(Object.keys(parseAction(shuffled))[0]).toBe('intent');
    }
  });

  it('tells different actions apart, and invalid ones equal nothing', () => {
    expect(actionsEqual({ intent: 'timer.set', seconds: 60 }, { intent: 'timer.set', seconds: 61 })).toBe(false);
    expect(actionsEqual({ intent: 'timer.set', seconds: 60 }, { intent: 'timer.set', seconds: 60, label: 'tea' })).toBe(false);
    expect(actionsEqual(
      { intent: 'shopping.add', items: [{ name: 'a' }, { name: 'b' }] },
      { intent: 'shopping.add', items: [{ name: 'b' }, { name: 'a' }] },
    )).toBe(false);
    const bad = { intent: 'mode.set', mode: 'turbo' } as unknown as ApplianceAction;
    expect(actionsEqual(bad, bad)).toBe(false);
  });

  it.each([
    ['an unknown intent', { intent: 'oven.preheat' }, '/intent must be one of'],
    ['a slot of another intent', { intent: 'shopping.show', items: [{ name: 'milk' }] }, 'has no slot "items"'],
    ['a missing required slot', { intent: 'temperature.set', zone: 'fridge' }, "must have required property 'celsius'"],
    ['an empty items list', { intent: 'shopping.add', items: [] }, '/items must NOT have fewer than 1 items'],
    ['a quantity on a removal', { intent: 'shopping.remove', items: [{ name: 'milk', quantity: 1 }] }, '/items/0 has no slot "quantity"'],
    ['a zero quantity', { intent: 'shopping.add', items: [{ name: 'milk', quantity: 0 }] }, '/items/0/quantity must be > 0'],
    ['a quantity as a string', { intent: 'shopping.add', items: [{ name: 'milk', quantity: '2' }] }, '/items/0/quantity must be number'],
    ['an unknown unit', { intent: 'shopping.add', items: [{ name: 'milk', unit: 'litre' }] }, '/items/0/unit must be one of g, kg'],
    ['an upper-case name', { intent: 'inventory.check', item: 'Milk' }, '/item must be lower case'],
    ['a name with a double space', { intent: 'inventory.check', item: 'peanut  butter' }, '/item must be lower case'],
    ['a name with a quote', { intent: 'recipe.ingredients', dish: 'a"b' }, '/dish must be lower case'],
    ['fractional seconds', { intent: 'timer.set', seconds: 1.5 }, '/seconds must be integer'],
    ['negative days', { intent: 'inventory.expiring', within_days: -1 }, '/within_days must be >= 0'],
    ['an unknown zone', { intent: 'temperature.query', zone: 'pantry' }, '/zone must be one of fridge, freezer'],
    ['an unknown mode', { intent: 'mode.set', mode: 'vacation' }, '/mode must be one of normal, eco, holiday, party, sabbath'],
    ['a null slot', { intent: 'timer.cancel', label: null }, '/label must be string'],
    ['an empty ingredients list', { intent: 'recipe.suggest', ingredients: [] }, '/ingredients must NOT have fewer than 1 items'],
    ['a string', 'shopping.show', '(action) must be object'],
  ])('rejects %s', (_, value, message) => {
    const result = validateAction(value);
    expect(result.valid).toBe(false);
    if (!result.valid) expect(result.errors.join('\n')).toContain(message);
  });

  it('parseAction fails with E_ACTION_INVALID on non-JSON and on contract breaches; serializeAction refuses with TypeError', () => {
    for (const text of ['', '{"intent":', 'null', '{"intent":"mode.set","mode":"turbo"}', '[]']) {
      try {
        parseAction(text);
        expect.unreachable(`parsed ${text}`);
      } catch (err) {
        expect(isTinyEdgeError(err, 'E_ACTION_INVALID'), String(err)).toBe(true);
      }
    }
    expect(() => serializeAction({ intent: 'nope' } as unknown as ApplianceAction)).toThrow(TypeError);
  });

  it('docs/appliance-action.schema.json is the exported schema', () => {
    const file = JSON.parse(readFileSync(new URL('../docs/appliance-action.schema.json', import.meta.url), 'utf8'));
    expect(file).toEqual(JSON.parse(JSON.stringify(APPLIANCE_ACTION_SCHEMA)));
  });
});

describe('screen replies', () => {
  it('composes one reply per intent', () => {
    expect(ONE_OF_EACH.map((a) => composeReply(a))).toEqual([
      'Added milk (2 l) and egg to your shopping list.',
      'Removed butter from your shopping list.',
      'Here is your shopping list.',
      'Your shopping list is now empty.',
      'Checking whether there is any yoghurt left.',
      'Here is what expires this week.',
      'Setting the freezer to -18 °C.',
      'Here is the fridge temperature.',
      'Pasta timer set for 10 minutes.',
      'Timer cancelled.',
      'Here are some recipe ideas with egg and spinach.',
      'For pancakes you need flour, egg, milk, butter, sugar and salt.',
      'Holiday mode is on.',
      'Sorry, I can only help in the kitchen: your shopping list, food, fridge temperatures, timers and recipes.',
    ]);
  });

  it('lists any dish of the table, and says so for a dish it does not know', () => {
    for (const recipe of APPLIANCE_RECIPES) {
      const reply = composeReply({ intent: 'recipe.ingredients', dish: recipe.dish });
      for (const ingredient of recipe.ingredients) expect(reply).toContain(ingredient);
    }
    expect(composeReply({ intent: 'recipe.ingredients', dish: 'unicorn stew' })).toBe("Sorry, I don't know a recipe for unicorn stew yet.");
    expect(composeReply({ intent: 'recipe.ingredients', dish: 'x' }, { findRecipe: () => ({ dish: 'x', ingredients: ['y'] }) })).toBe('For x you need y.');
  });

  it('formats durations and fractional quantities for the screen', () => {
    expect([90, 5400, 600, 3600, 45, 3661].map(formatDuration)).toEqual([
      '1 minute 30 seconds', '1 hour 30 minutes', '10 minutes', '1 hour', '45 seconds', '1 hour 1 minute 1 second',
    ]);
    expect(composeReply({ intent: 'shopping.add', items: [{ name: 'carrot', quantity: 0.5, unit: 'kg' }, { name: 'apple', quantity: 3 }] }))
      .toBe('Added carrot (0.5 kg) and apple (3) to your shopping list.');
  });

  it('has a recipe table of at least 150 dishes, each with lower-case singular-looking ingredient names', () => {
    expect(APPLIANCE_RECIPES.length).toBeGreaterThanOrEqual(150);
    expect(new Set(APPLIANCE_RECIPES.map((r) => r.dish)).size).toBe(APPLIANCE_RECIPES.length);
    for (const r of APPLIANCE_RECIPES) {
      expect(validateAction({ intent: 'recipe.ingredients', dish: r.dish }).valid, r.dish).toBe(true);
      expect(r.ingredients.length).toBeGreaterThanOrEqual(2);
      for (const i of r.ingredients) expect(validateAction({ intent: 'inventory.check', item: i }).valid, i).toBe(true);
    }
    expect(findRecipe('Pancakes')?.dish).toBe('pancake');
    expect(findRecipe('a lasagne')?.dish).toBe('lasagne');
  });
});
