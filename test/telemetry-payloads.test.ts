import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { boardSummaryFrom, buildBoardPayload, buildInferencePayload, buildStatusPayload, PowerAccumulator, sourceSlug } from '../src/telemetry/build-payloads.js';
import { homeAssistantDiscovery } from '../src/telemetry/home-assistant-discovery.js';
import { pickFields } from '../src/telemetry/payload-fields.js';
import { reconnectDelay, resolveReconnectOptions } from '../src/telemetry/reconnect-backoff.js';
import { TELEMETRY_SCHEMAS } from '../src/telemetry/telemetry-payloads.js';
import { telemetryTopics } from '../src/telemetry/telemetry-topics.js';

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = Object.fromEntries(Object.entries(TELEMETRY_SCHEMAS).map(([k, s]) => [k, ajv.compile(s)]));
const env = { seq: 7, ts: 1_700_000_000_000, dropped: 2 };

function valid(topic: string, payload: unknown): void {
  const v = validate[topic]!;
  if (!v(payload)) throw new Error(`${topic}: ${ajv.errorsText(v.errors)}`);
}

const endEvent = {
  requestId: 3, model: 'tiny', stopReason: 'maxTokens', promptTokens: 5, generatedTokens: 16, durationMs: 30.123456, inferMs: 21.5, at: 123.4,
  stats: { backend: 'portable', promptTokens: 5, generatedTokens: 16, timeToFirstTokenMs: 3.2, tokensPerSecond: 512.4, loadMs: 80, inferMs: 21.5, outsideInferFraction: 0.12 },
};
const energyReport = {
  requestId: 3, model: 'tiny', stopReason: 'maxTokens', startedAt: 100, durationMs: 30, joules: 0.15, netJoules: -0.001, idleW: 3, avgW: 5, peakW: 6.2,
  promptTokens: 5, generatedTokens: 16, joulesPerToken: 0.0094, prefill: { ms: 3, joules: 0.015, interpolated: true },
  decode: { ms: 27, joules: 0.135, interpolated: false, joulesPerToken: 0.009 }, interpolated: true, samples: 2, kind: 'measured', source: 'hwmon:ina219', badge: 'B',
} as const;

describe('payloads and their schemas', () => {
  it('every schema is a strict draft-07 schema with additionalProperties false', () => {
    for (const [topic, schema] of Object.entries(TELEMETRY_SCHEMAS)) {
      expect(schema).toMatchObject({ $schema: 'http://json-schema.org/draft-07/schema#', additionalProperties: false });
      expect(schema.$id).toBe(`urn:tinyedge:telemetry:${topic}:1`);
    }
  });

  it('builds status, power, inference and board payloads that validate', () => {
    const status = buildStatusPayload('online', 4, 1_700_000_000_000.4);
    expect(status).toEqual({ v: 1, state: 'online', session: 4, ts: 1_700_000_000_000 });
    valid('status', status);

    const acc = new PowerAccumulator(1_700_000_000_000);
    const power = acc.build([{ t: 1000, watts: 3, kind: 'measured' }, { t: 1500, watts: 5, kind: 'measured' }], 'hwmon:ina219', env);
    expect(power).toMatchObject({ v: 1, seq: 7, kind: 'measured', source: 'hwmon:ina219', t0: 1_700_000_001_000, dt: [0, 500], w: [3, 5], avgW: 4, minW: 3, maxW: 5, energyJ: 2 });
    valid('power', power);
    // The next batch's energy starts at the previous batch's last sample; the total keeps growing.
    const next = acc.build([{ t: 2500, watts: 5, kind: 'measured' }], undefined, { ...env, seq: 8 });
    expect(next.energyJ).toBe(5);
    expect(next.energyKWh).toBeCloseTo(7 / 3.6e6, 8); // kWh to 9 decimals: 3.6 mJ
    valid('power', next);

    const inference = buildInferencePayload({ ...endEvent, energy: energyReport }, env);
    expect(inference).toEqual({
      v: 1, seq: 7, ts: env.ts, dropped: 2, requestId: 3, stopReason: 'maxTokens', backend: 'portable', promptTokens: 5, generatedTokens: 16, durationMs: 30.12,
      inferMs: 21.5, ttftMs: 3.2, tokensPerSecond: 512.4, outsideInferFraction: 0.12,
      energy: { kind: 'measured', badge: 'B', joules: 0.15, netJoules: -0.001, avgW: 5, peakW: 6.2, joulesPerToken: 0.0094, prefillMs: 3, prefillJ: 0.015, decodeMs: 27, decodeJ: 0.135, interpolated: true },
    });
    valid('inference', inference);
    expect(buildInferencePayload({ ...endEvent, stopReason: 'energyBudget' }, env).stopReason).toBe('energyBudget');
    // An energy report alone is an inference report too.
    const energyOnly = buildInferencePayload(energyReport, env);
    expect(energyOnly).toMatchObject({ requestId: 3, durationMs: 30, energy: { joules: 0.15 } });
    valid('inference', energyOnly);

    const board = buildBoardPayload(boardSummaryFrom(
      { profile: { id: 'raspberry-pi-5', arch: 'arm64', cpu: { cores: 4, maxMHz: 2400 } }, memoryMB: 8063.7 },
      { socTempC: 51.23, cpuUtilisation: 0.25, powerKind: 'measured', powerSource: 'serial:/dev/ttyUSB0' }), env);
    expect(board).toEqual({ v: 1, seq: 7, ts: env.ts, dropped: 2, board: 'raspberry-pi-5', arch: 'arm64', cores: 4, maxMHz: 2400, memoryMB: 8064, socTempC: 51.2, cpuUtilisation: 0.25, powerKind: 'measured', powerSource: 'serial' });
    valid('board', board);
  });

  it('leaves out null and non-finite optional numbers (no token: no J/token, no badge)', () => {
    const p = buildInferencePayload({ ...endEvent, generatedTokens: 0, energy: { ...energyReport, joulesPerToken: null, badge: null, netJoules: null } }, env);
    expect(p.energy).not.toHaveProperty('joulesPerToken');
    expect(p.energy).not.toHaveProperty('badge');
    expect(p.energy).not.toHaveProperty('netJoules');
    valid('inference', p);
  });

  it('the schemas reject what is not declared: extra fields, text in an enum, a path as an id', () => {
    const board = buildBoardPayload({ board: 'simulated' }, env);
    expect(validate.board!({ ...board, prompt: 'hello' })).toBe(false);
    expect(validate.inference!({ ...buildInferencePayload(endEvent, env), stopReason: 'the user said hi' })).toBe(false);
    expect(validate.board!({ ...board, board: '/dev/ttyUSB0' })).toBe(false);
  });
});

describe('privacy guard', () => {
  const canary = 'CANARY-7f3a-do-not-leak';

  it('copies only declared fields, so text fields of the sources never reach a payload', () => {
    const withText = {
      ...endEvent, model: canary, text: canary, prompt: canary, error: new Error(canary),
      stats: { ...endEvent.stats, text: canary }, energy: { ...energyReport, model: canary, source: canary, note: canary },
    };
    const bytes = JSON.stringify(buildInferencePayload(withText, env));
    expect(bytes).not.toContain(canary);
    expect(JSON.stringify(buildBoardPayload({ board: 'simulated', name: canary } as never, env))).not.toContain(canary);
  });

  it('refuses text where an enum or a slug is declared, and says so without echoing it', () => {
    expect(() => buildInferencePayload({ ...endEvent, stopReason: canary }, env)).toThrow(/stopReason must be one of/);
    expect(() => buildInferencePayload({ ...endEvent, stopReason: canary }, env)).not.toThrow(canary);
    expect(() => buildBoardPayload({ board: `Board ${canary}` }, env)).toThrow(TypeError);
    expect(() => pickFields({ n: { type: 'number', description: 'n' } }, { n: canary })).toThrow(/a string of \d+ characters/);
  });

  it('reduces power source ids to slugs: never a device path', () => {
    expect(sourceSlug('hwmon:ina219')).toBe('hwmon:ina219');
    expect(sourceSlug('battery:BAT0')).toBe('battery:bat0');
    expect(sourceSlug('serial:/dev/ttyUSB0')).toBe('serial');
    expect(sourceSlug('??')).toBeUndefined();
  });

  it('checks power samples', () => {
    expect(() => PowerAccumulator.runs([{ t: 1, watts: Number.NaN, kind: 'measured' }])).toThrow(TypeError);
    expect(() => PowerAccumulator.runs([{ t: 1, watts: 1, kind: 'guessed' as never }])).toThrow(TypeError);
    expect(PowerAccumulator.runs([
      { t: 1, watts: 1, kind: 'measured' }, { t: 2, watts: 1, kind: 'estimated' }, { t: 3, watts: 1, kind: 'estimated' },
    ]).map((r) => r.length)).toEqual([1, 2]);
  });
});

describe('reconnect backoff', () => {
  const o = resolveReconnectOptions({ initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.5 });

  it('grows exponentially to the ceiling, with the jitter taking up to half off', () => {
    expect([0, 1, 2, 3, 4, 10].map((a) => reconnectDelay(a, o, () => 0))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([0, 1, 2, 3, 4].map((a) => reconnectDelay(a, o, () => 0.999999))).toEqual([50, 100, 200, 400, 500]);
    const spread = new Set(Array.from({ length: 50 }, () => reconnectDelay(3, o)));
    expect(spread.size).toBeGreaterThan(10);
    for (const d of spread) expect(d).toBeGreaterThanOrEqual(400);
  });

  it('rejects nonsense', () => {
    expect(() => resolveReconnectOptions({ initialDelayMs: 0 })).toThrow(RangeError);
    expect(() => resolveReconnectOptions({ initialDelayMs: 10, maxDelayMs: 5 })).toThrow(RangeError);
    expect(() => resolveReconnectOptions({ jitter: 2 })).toThrow(RangeError);
  });
});

describe('Home Assistant discovery', () => {
  const topics = telemetryTopics('fridge-01');
  const configs = homeAssistantDiscovery('fridge-01', topics, { manufacturer: 'Raspberry Pi Ltd', model: 'Raspberry Pi 5', swVersion: '0.1.0' });
  const byKey = Object.fromEntries(configs.map((c) => [String(c.payload.unique_id).replace('tinyedge_fridge-01_', ''), c]));

  it('declares power, energy, tokens/s, J/token and SoC temperature sensors with the right classes and units', () => {
    expect(byKey.power!.payload).toMatchObject({ device_class: 'power', unit_of_measurement: 'W', state_class: 'measurement', state_topic: topics.power });
    expect(byKey.energy!.payload).toMatchObject({ device_class: 'energy', unit_of_measurement: 'kWh', state_class: 'total_increasing', value_template: '{{ value_json.energyKWh }}' });
    expect(byKey.tokens_per_second!.payload).toMatchObject({ unit_of_measurement: 'tok/s', state_topic: topics.inference });
    expect(byKey.joules_per_token!.payload).toMatchObject({ unit_of_measurement: 'J/token', state_topic: topics.inference });
    expect(byKey.soc_temperature!.payload).toMatchObject({ device_class: 'temperature', unit_of_measurement: '°C', state_topic: topics.board });
    for (const c of configs) {
      expect(c.topic).toBe(`homeassistant/sensor/${String(c.payload.unique_id)}/config`);
      expect(c.payload.availability).toEqual([{ topic: topics.status, value_template: '{{ value_json.state }}', payload_available: 'online', payload_not_available: 'offline' }]);
      expect(c.payload.device).toMatchObject({ identifiers: ['tinyedge_fridge-01'], manufacturer: 'Raspberry Pi Ltd', model: 'Raspberry Pi 5' });
    }
  });

  it('value templates name fields the payload schemas declare', () => {
    const declared = (topic: 'power' | 'inference' | 'board', path: string[]): boolean => {
      let schema = TELEMETRY_SCHEMAS[topic] as { properties?: Record<string, unknown> };
      for (const key of path) {
        const next = schema.properties?.[key];
        if (next === undefined) return false;
        schema = next as typeof schema;
      }
      return true;
    };
    for (const c of configs) {
      const topic = String(c.payload.state_topic).split('/').pop() as 'power' | 'inference' | 'board';
      const fields = [...String(c.payload.value_template).matchAll(/value_json\.([\w.]+)/g)].map((m) => m[1]!.split('.'));
      expect(fields.length).toBeGreaterThan(0);
      for (const f of fields) expect(declared(topic, f), `${c.topic}: ${f.join('.')}`).toBe(true);
    }
  });
});

describe('docs/telemetry.md', () => {
  const doc = readFileSync(new URL('../docs/telemetry.md', import.meta.url), 'utf8');

  it('documents every field of every payload', () => {
    const names = (schema: { properties?: Record<string, unknown> }, prefix = ''): string[] =>
      Object.entries(schema.properties ?? {}).flatMap(([k, v]) => [`${prefix}${k}`, ...names(v as typeof schema, `${prefix}${k}.`)]);
    for (const [topic, schema] of Object.entries(TELEMETRY_SCHEMAS)) {
      for (const field of names(schema)) expect(doc, `${topic}.${field}`).toContain(`\`${field}\``);
    }
  });

  it('lists every topic and every Home Assistant entity', () => {
    for (const t of ['status', 'power', 'inference', 'board']) expect(doc).toContain(`\`tinyedge/<id>/${t}\``);
    for (const c of homeAssistantDiscovery('x', telemetryTopics('x'))) {
      expect(doc).toContain(`\`${String(c.payload.unique_id).replace('tinyedge_x_', '')}\``);
    }
  });
});
