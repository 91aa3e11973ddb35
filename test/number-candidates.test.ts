import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApplianceAction } from '../src/appliance/action.js';
import { fahrenheitToCelsius, numberCandidates } from '../src/appliance/number-candidates.js';
import { generateCorpus } from '../src/train/corpus/generate-corpus.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'shared', 'appliance', 'examples.jsonl');

/** Every number slot of an action, as [slot, value]. */
function numbersOf(action: ApplianceAction): Array<['quantity' | 'seconds' | 'celsius', number]> {
  const out: Array<['quantity' | 'seconds' | 'celsius', number]> = [];
  if ('items' in action) for (const item of action.items) if ('quantity' in item && item.quantity !== undefined) out.push(['quantity', item.quantity]);
  if (action.intent === 'timer.set') out.push(['seconds', action.seconds]);
  if (action.intent === 'temperature.set') out.push(['celsius', action.celsius]);
  return out;
}

describe('numberCandidates', () => {
  it('reads digits, number words, amounts, units of time and Fahrenheit', () => {
    expect(numberCandidates('add 500 grams of minced beef').quantity).toContain(500);
    expect(numberCandidates('add 500g of beef').quantity).toContain(500);
    expect(numberCandidates('two hundred and fifty grams of butter').quantity).toContain(250);
    expect(numberCandidates('twenty-five eggs').quantity).toContain(25);
    expect(numberCandidates('one and a half litres of milk').quantity).toContain(1.5);
    expect(numberCandidates('1,5 l of milk').quantity).toContain(1.5);
    expect(numberCandidates('half a dozen eggs').quantity).toContain(6);
    expect(numberCandidates('two dozen eggs').quantity).toContain(24);
    expect(numberCandidates('a couple of lemons').quantity).toContain(2);
    expect(numberCandidates('a pound of butter').quantity).toContain(1);
    expect(numberCandidates('½ kg of flour').quantity).toContain(0.5);
    expect(numberCandidates('set the freezer to zero fahrenheit').celsius).toEqual([-18, 0]);
    expect(numberCandidates('freezer to 0°F').celsius).toContain(-18);
    expect(numberCandidates('fridge to forty F').celsius).toContain(4);
    expect(numberCandidates('minus eighteen').celsius).toContain(-18);
    expect(numberCandidates('fridge to twenty degrees').celsius).toContain(20);
    expect(numberCandidates('fridge to 40').celsius).not.toContain(4); // no Fahrenheit named, no conversion
    expect(numberCandidates('3 minutes 15 seconds').seconds).toContain(195);
    expect(numberCandidates('3 minutes 15 seconds').seconds).not.toContain(75);
    expect(numberCandidates('an hour and a half').seconds).toContain(5400);
    expect(numberCandidates('a quarter of an hour').seconds).toContain(900);
    expect(numberCandidates('three quarters of an hour').seconds).toContain(2700);
    expect(numberCandidates('timer 1h45min').seconds).toContain(6300);
    expect(numberCandidates('90s').seconds).toContain(90);
  });

  it('finds nothing where nothing is said, and only values an action can carry', () => {
    expect(numberCandidates('is the freezer cold enough')).toEqual({ quantity: [], seconds: [], celsius: [] });
    // "a" is an amount but not a temperature, and no unit of time is named
    expect(numberCandidates('add a melon')).toEqual({ quantity: [1], seconds: [], celsius: [] });
    for (const c of Object.values(numberCandidates('1/3 cup, 12345678901 and 0.1234567 g'))) {
      for (const v of c) expect(String(v)).toMatch(/^-?\d{1,9}(?:\.\d{1,6})?$/);
    }
    expect(numberCandidates('1/3 cup').quantity).not.toContain(1 / 3);
    expect(() => numberCandidates(5 as never)).toThrow(TypeError);
    expect(fahrenheitToCelsius(0)).toBe(-18);
    expect(Object.is(fahrenheitToCelsius(32), 0)).toBe(true);
  });

  it('holds every number of every corpus example and of the evaluation set, so constraining to it never rules out the answer', () => {
    const labelled = [
      ...generateCorpus({ seed: 11, size: 6000, split: 'train' }),
      ...generateCorpus({ seed: 11, size: 2000, split: 'test' }),
      ...readFileSync(EXAMPLES, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { text: string; action: ApplianceAction }),
    ];
    const missing: string[] = [];
    let checked = 0;
    for (const { text, action } of labelled) {
      const c = numberCandidates(text);
      for (const [slot, value] of numbersOf(action)) {
        checked++;
        if (!c[slot].includes(value)) missing.push(`${text} -> ${slot} ${value} not in ${JSON.stringify(c[slot])}`);
      }
    }
    expect(checked).toBeGreaterThan(1500);
    expect(missing).toEqual([]);
  });
});
