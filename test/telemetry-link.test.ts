import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TinyEdgeError } from '../src/errors.js';
import { openPowerSampler } from '../src/power/open-power-sampler.js';
import { createScriptedPowerSource } from '../src/testing/scripted-power-source.js';
import { startEmbeddedBroker } from '../src/telemetry/embedded-broker.js';
import { connectTelemetry } from '../src/telemetry/telemetry-link.js';
import type { TelemetryLink, TelemetryOptions } from '../src/telemetry/telemetry-link.js';
import { TELEMETRY_SCHEMAS } from '../src/telemetry/telemetry-payloads.js';
import { startMosquitto } from './support/mosquitto.js';
import type { Mosquitto } from './support/mosquitto.js';
import { recordMqtt } from './support/mqtt-recorder.js';
import type { MqttRecorder } from './support/mqtt-recorder.js';

const USER = { username: 'device', password: 'device-secret' };
const ADMIN = { username: 'admin', password: 'admin-secret' };
const ajv = new Ajv({ allErrors: true });
const validators = Object.fromEntries(Object.entries(TELEMETRY_SCHEMAS).map(([k, s]) => [k, ajv.compile(s)]));

let broker: Mosquitto;
let recorder: MqttRecorder;
const links: TelemetryLink[] = [];

beforeAll(async () => {
  broker = await startMosquitto({ users: { device: USER.password, admin: ADMIN.password }, tls: true });
  recorder = await recordMqtt(broker.url, ADMIN);
});

afterAll(async () => {
  await Promise.allSettled(links.map((l) => l.close({ drainMs: 0 })));
  await recorder?.close();
  await broker?.stop();
});

async function link(deviceId: string, options: Partial<TelemetryOptions> = {}): Promise<TelemetryLink> {
  const l = await connectTelemetry({
    url: broker.url, deviceId, ...USER, queueDir: await mkdtemp(join(tmpdir(), 'tinyedge-link-')),
    reconnect: { initialDelayMs: 50, maxDelayMs: 400 }, ...options,
  });
  links.push(l);
  return l;
}

/** The link's next `error` event. */
function nextError(l: TelemetryLink, timeoutMs = 5000): Promise<TinyEdgeError> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no error event')), timeoutMs);
    const off = l.on('error', ({ error }) => {
      clearTimeout(timer);
      off();
      resolve(error);
    });
  });
}

/** Validates a payload against its topic's schema (the last topic level). */
function expectValid(topic: string, payload: unknown): void {
  const validate = validators[topic.split('/').pop()!]!;
  expect(validate(payload), `${topic}: ${ajv.errorsText(validate.errors)}`).toBe(true);
}

describe('telemetry link against Mosquitto', () => {
  it('publishes power, inference and board at QoS 1 over MQTT 5 with a password; every payload validates and sequence numbers run 1, 2, 3', async () => {
    const l = await link('link-basic');
    await l.waitForConnection(5000);
    const now = performance.now();
    expect(await l.publishPower([{ t: now, watts: 3.1, kind: 'measured' }, { t: now + 100, watts: 3.3, kind: 'measured' }], 'hwmon:ina219')).toEqual([1]);
    expect(await l.publishInference({ requestId: 1, stopReason: 'eos', promptTokens: 4, generatedTokens: 9, durationMs: 12, inferMs: 10 })).toBe(2);
    expect(await l.publishBoard({ board: 'simulated', arch: 'x64', socTempC: 48.5 })).toBe(3);
    expect(await l.flush(5000)).toBe(true);
    await recorder.until((ms) => ms.some((m) => m.topic === 'tinyedge/link-basic/board'));
    const data = recorder.messages.filter((m) => /^tinyedge\/link-basic\/(power|inference|board)$/.test(m.topic));
    expect(data.map((m) => m.topic.split('/')[2])).toEqual(['power', 'inference', 'board']);
    const payloads = data.map((m) => JSON.parse(m.payload.toString('utf8')) as { seq: number });
    expect(payloads.map((p) => p.seq)).toEqual([1, 2, 3]);
    data.forEach((m, i) => expectValid(m.topic, payloads[i]));
    const status = recorder.json<{ state: string }>('tinyedge/link-basic/status');
    expect(status[0]).toMatchObject({ v: 1, state: 'online', session: 1 });
    expectValid('status', status[0]);
    expect(l.stats()).toMatchObject({ connected: true, acked: 3, queued: 0, lastSeq: 3, protocolVersion: 5 });
    expect(broker.log()).toMatch(/as tinyedge-link-basic \(p5, c1, k30, u'device'\)/);
  });

  it('speaks MQTT 3.1.1 on request, with the keepalive asked for', async () => {
    const l = await link('link-v311', { protocolVersion: 4, keepaliveSeconds: 7 });
    await l.waitForConnection(5000);
    await l.publishBoard({ board: 'simulated' });
    expect(await l.flush(5000)).toBe(true);
    expect(l.stats().protocolVersion).toBe(4);
    expect(broker.log()).toMatch(/as tinyedge-link-v311 \(p2, c1, k7, u'device'\)/);
  });

  it('a wrong password is E_MQTT_AUTH, retried with backoff; messages wait in the queue and go once the broker accepts the login', async () => {
    const l = await link('link-auth', { username: 'late', password: 'late-secret' });
    const delays: number[] = [];
    l.on('reconnecting', ({ delayMs }) => delays.push(delayMs));
    const err = await l.waitForConnection(800).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TinyEdgeError);
    expect((err as TinyEdgeError).code).toBe('E_MQTT_AUTH');
    while (delays.length < 4) await new Promise((r) => setTimeout(r, 20)); // it keeps retrying
    expect(Math.max(...delays)).toBeGreaterThan(delays[0]!); // it backs off
    expect(Math.max(...delays)).toBeLessThanOrEqual(400);
    expect(await l.publishInference({ requestId: 9, durationMs: 5 })).toBe(1);
    expect(l.stats()).toMatchObject({ connected: false, queued: 1, lastError: 'E_MQTT_AUTH' });

    await broker.setUsers({ device: USER.password, admin: ADMIN.password, late: 'late-secret' });
    await l.waitForConnection(5000);
    expect(await l.flush(5000)).toBe(true);
    await recorder.until((ms) => ms.some((m) => m.topic === 'tinyedge/link-auth/inference'));
    expect(recorder.json('tinyedge/link-auth/inference')[0]).toMatchObject({ seq: 1, requestId: 9 });
  });

  it('TLS: connects with the generated CA and a client certificate; a wrong CA or no client certificate does not', async () => {
    const certs = broker.certs!;
    const good = await link('link-tls', { url: broker.tlsUrl!, username: undefined, password: undefined, tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey } });
    await good.waitForConnection(5000);
    await good.publishBoard({ board: 'simulated' });
    expect(await good.flush(5000)).toBe(true);
    expect(broker.log()).toMatch(/as tinyedge-link-tls \(p5, c1, k30, u'tinyedge-device'\)/); // the certificate's CN

    const wrongCa = await link('link-tls-ca', { url: broker.tlsUrl!, username: undefined, password: undefined, tls: { ca: certs.otherCa, cert: certs.clientCert, key: certs.clientKey } });
    const caErr = await nextError(wrongCa);
    expect(caErr.code).toBe('E_MQTT_CONNECT');
    expect(caErr.message).toMatch(/TLS/);
    expect(wrongCa.connected).toBe(false);

    const noCert = await link('link-tls-nocert', { url: broker.tlsUrl!, username: undefined, password: undefined, tls: { ca: certs.ca } });
    expect((await nextError(noCert)).code).toBe('E_MQTT_CONNECT');
    expect(noCert.stats().connects).toBe(0);
  });

  it('status is retained online while connected and offline after close; the board summary is retained', async () => {
    const l = await link('link-status');
    await l.waitForConnection(5000);
    await l.publishBoard({ board: 'simulated', socTempC: 40 });
    await l.close();
    const late = await recordMqtt(broker.url, { ...ADMIN, topics: ['tinyedge/link-status/#'] });
    try {
      await late.until((ms) => ms.length >= 2);
      const byTopic = Object.fromEntries(late.messages.map((m) => [m.topic, m]));
      expect(byTopic['tinyedge/link-status/status']!.retain).toBe(true);
      expect(JSON.parse(byTopic['tinyedge/link-status/status']!.payload.toString())).toMatchObject({ state: 'offline', session: 1 });
      expect(byTopic['tinyedge/link-status/board']!.retain).toBe(true);
      expect(JSON.parse(byTopic['tinyedge/link-status/board']!.payload.toString())).toMatchObject({ board: 'simulated', socTempC: 40 });
    } finally {
      await late.close();
    }
  });

  it('Home Assistant discovery: retained configs, announced again when Home Assistant says it is online', async () => {
    const l = await link('link-ha', { homeAssistant: { announceDelayMs: 20, model: 'Simulated board' } });
    await l.waitForConnection(5000);
    const prefix = 'homeassistant/sensor/tinyedge_link-ha_';
    const configTopics = (): string[] => [...new Set(recorder.messages.filter((m) => m.topic.startsWith(prefix) && m.payload.length > 0).map((m) => m.topic))];
    await recorder.until(() => configTopics().length === 6);
    const late = await recordMqtt(broker.url, { ...ADMIN, topics: ['homeassistant/sensor/#'] });
    try {
      await late.until((ms) => ms.filter((m) => m.topic.startsWith(prefix)).length === 6);
      expect(late.messages.filter((m) => m.topic.startsWith(prefix)).every((m) => m.retain)).toBe(true);
      const energy = late.json(`${prefix}energy/config`)[0]!;
      expect(energy).toMatchObject({ device_class: 'energy', unit_of_measurement: 'kWh', state_class: 'total_increasing', state_topic: 'tinyedge/link-ha/power' });
      // Home Assistant lost its configs (say, a new broker) and announces itself: the device answers.
      for (const t of configTopics()) await late.client.publishAsync(t, '', { qos: 1, retain: true });
      const before = recorder.messages.length;
      await late.client.publishAsync('homeassistant/status', 'online', { qos: 1 });
      await recorder.until((ms) => ms.slice(before).filter((m) => m.topic.startsWith(prefix) && m.payload.length > 0).length === 6, 5000);
    } finally {
      await late.close();
    }
  });

  it('attach: samples from a power sampler are published in batches', async () => {
    const sampler = await openPowerSampler({ source: createScriptedPowerSource({ watts: 4.25, id: 'scripted' }), hz: 50 });
    const l = await link('link-attach', { powerBatchMs: 150 });
    try {
      await l.waitForConnection(5000);
      const detach = l.attach({ sampler });
      await recorder.until((ms) => ms.filter((m) => m.topic === 'tinyedge/link-attach/power').length >= 2, 5000);
      detach();
      const power = recorder.json<{ w: number[]; kind: string; source: string; seq: number }>('tinyedge/link-attach/power');
      expect(power[0]).toMatchObject({ kind: 'measured', source: 'scripted' });
      expect(power.flatMap((p) => p.w).every((w) => w === 4.25)).toBe(true);
      expect(power.flatMap((p) => p.w).length).toBeGreaterThan(3);
      for (const p of power) expectValid('power', p);
    } finally {
      await sampler.close();
    }
  });
});

describe('telemetry link against the embedded broker', () => {
  it('falls back to MQTT 3.1.1, which the embedded broker speaks, and delivers', async () => {
    const embedded = await startEmbeddedBroker({ port: 0 });
    const rec = await recordMqtt(embedded.url, { protocolVersion: 4 });
    try {
      const l = await connectTelemetry({ url: embedded.url, deviceId: 'demo', queueDir: await mkdtemp(join(tmpdir(), 'tinyedge-link-')) });
      links.push(l);
      await l.waitForConnection(5000);
      await l.publishInference({ requestId: 1, durationMs: 3 });
      expect(await l.flush(5000)).toBe(true);
      expect(l.stats().protocolVersion).toBe(4);
      await rec.until((ms) => ms.some((m) => m.topic === 'tinyedge/demo/inference'));
      expectValid('inference', rec.json('tinyedge/demo/inference')[0]);
      await l.close();
    } finally {
      await rec.close();
      await embedded.close();
    }
  });
});

describe('connectTelemetry options', () => {
  it('rejects bad arguments with TypeError or RangeError', async () => {
    const queueDir = await mkdtemp(join(tmpdir(), 'tinyedge-link-'));
    await expect(connectTelemetry({ url: 'http://x', deviceId: 'a', queueDir })).rejects.toThrow(TypeError);
    await expect(connectTelemetry({ url: 'mqtt://x', deviceId: 'a/b', queueDir })).rejects.toThrow(TypeError);
    await expect(connectTelemetry({ url: 'mqtt://x', deviceId: 'a', queueDir, tls: {} })).rejects.toThrow(/mqtts/);
    await expect(connectTelemetry({ url: 'mqtt://x', deviceId: 'a', queueDir, protocolVersion: 3 as never })).rejects.toThrow(TypeError);
    await expect(connectTelemetry({ url: 'mqtt://x', deviceId: 'a', queueDir, keepaliveSeconds: -1 })).rejects.toThrow(RangeError);
  });
});
