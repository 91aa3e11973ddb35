// A small, seeded corpus in the appliance format for the training tests: a
// few intents, quantities and foods, enough for a tiny model to learn
// something in a few dozen steps.
import type { CorpusExample } from '../../src/train/read-corpus.js';

const FOODS = ['apple', 'egg', 'lemon', 'carrot', 'onion', 'tomato', 'pear', 'banana'];
const NUMBERS = ['one', 'two', 'three', 'four', 'five', 'six'];
const ZONES = ['fridge', 'freezer'];

/** `n` examples drawn with a seeded generator. */
export function tinyApplianceCorpus(n: number, seed = 1): CorpusExample[] {
  let state = seed >>> 0 || 1;
  const next = (k: number): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 4294967296) * k);
  };
  const out: CorpusExample[] = [];
  for (let i = 0; i < n; i++) {
    const kind = next(4);
    let text: string;
    let action: object;
    if (kind === 0) {
      const food = FOODS[next(FOODS.length)]!;
      const q = next(NUMBERS.length);
      text = `add ${NUMBERS[q]} ${food}s to the list`;
      action = { intent: 'shopping.add', items: [{ name: food, quantity: q + 1 }] };
    } else if (kind === 1) {
      const m = next(NUMBERS.length);
      text = `set a timer for ${NUMBERS[m]} minutes`;
      action = { intent: 'timer.set', seconds: (m + 1) * 60 };
    } else if (kind === 2) {
      const zone = ZONES[next(2)]!;
      text = `how cold is the ${zone}`;
      action = { intent: 'temperature.query', zone };
    } else {
      text = ['who won the match', 'tell me a joke', 'what time is it'][next(3)]!;
      action = { intent: 'unknown' };
    }
    out.push({ text, action, actionText: JSON.stringify(action) });
  }
  return out;
}

/** The corpus as JSON Lines text. */
export function toJsonLines(examples: readonly CorpusExample[]): string {
  return examples.map((e) => JSON.stringify({ text: e.text, action: e.action })).join('\n') + '\n';
}
