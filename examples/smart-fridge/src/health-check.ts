import { actionsEqual, validateAction } from 'tinyedge';
import type { ApplianceAction } from 'tinyedge';
import type { FridgeApp } from './fridge-app.js';

/** What `node app.js --health-check` prints (the shape `tinyedge flash` reads). */
export interface HealthReport {
  ok: boolean;
  requests: number;
  correct: number;
  p50Ms: number;
  joulesPerRequest?: number;
  /** Whether the energy figure was measured or estimated on this board. */
  energyKind?: 'measured' | 'estimated';
  misses: Array<{ request: string; expected: ApplianceAction; got: ApplianceAction }>;
}

/**
 * Requests with known answers, written for the on-device check (they are
 * not the evaluation set's sentences): a spread of intents, so a broken
 * model, tokenizer or grammar shows up as misses.
 */
export const HEALTH_REQUESTS: ReadonlyArray<{ request: string; expected: ApplianceAction }> = [
  { request: 'put three bananas on my shopping list', expected: { intent: 'shopping.add', items: [{ name: 'banana', quantity: 3 }] } },
  { request: 'show me the shopping list', expected: { intent: 'shopping.show' } },
  { request: 'set the fridge to five degrees', expected: { intent: 'temperature.set', zone: 'fridge', celsius: 5 } },
  { request: 'how warm is the freezer', expected: { intent: 'temperature.query', zone: 'freezer' } },
  { request: 'start a timer for twenty minutes', expected: { intent: 'timer.set', seconds: 1200 } },
  { request: 'switch on eco mode', expected: { intent: 'mode.set', mode: 'eco' } },
  { request: 'clear my shopping list', expected: { intent: 'shopping.clear' } },
  { request: 'what is the weather like tomorrow', expected: { intent: 'unknown' } },
];

/**
 * Runs the health requests through the assistant only (nothing is executed:
 * the check must not change the fridge) and reports accuracy, latency and
 * energy. `ok` is false when any action is invalid, which the grammar makes
 * impossible unless the model files are damaged.
 */
export async function runHealthCheck(app: FridgeApp): Promise<HealthReport> {
  const times: number[] = [];
  const joules: number[] = [];
  let kind: 'measured' | 'estimated' | undefined;
  const misses: HealthReport['misses'] = [];
  let invalid = 0;
  for (const { request, expected } of HEALTH_REQUESTS) {
    const response = await app.assistant.handle(request);
    times.push(response.stats.timeToActionMs);
    if (response.energy) {
      joules.push(response.energy.joules);
      kind = response.energy.kind;
    }
    if (!validateAction(response.action).valid) invalid++;
    if (!actionsEqual(response.action, expected)) misses.push({ request, expected, got: response.action });
  }
  times.sort((a, b) => a - b);
  return {
    ok: invalid === 0,
    requests: HEALTH_REQUESTS.length,
    correct: HEALTH_REQUESTS.length - misses.length,
    p50Ms: times[Math.floor(times.length / 2)]!,
    ...(joules.length > 0 ? { joulesPerRequest: joules.reduce((a, b) => a + b, 0) / joules.length } : {}),
    ...(kind === undefined ? {} : { energyKind: kind }),
    misses,
  };
}
