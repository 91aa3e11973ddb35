// The privacy guard, end to end: canary strings are the prompts of real
// generations (TFLite inference on a tiny bundle) followed by the telemetry
// link with a real power sampler and its energy meter. No byte the broker
// receives (captured on the wire by a TCP relay, and as delivered to a
// subscriber on `#`) and no byte of the queue's files may hold a canary, or
// the generated text.
import { readdir, readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPowerSampler } from '../src/power/open-power-sampler.js';
import type { PowerSampler } from '../src/power/power-sampler.js';
import { loadModel } from '../src/runtime/load-model.js';
import type { Model } from '../src/runtime/model.js';
import { createTinyLlamaBundle } from '../src/testing/create-tiny-llama-bundle.js';
import { createScriptedPowerSource } from '../src/testing/scripted-power-source.js';
import { connectTelemetry } from '../src/telemetry/telemetry-link.js';
import { startMosquitto, startTcpTap } from './support/mosquitto.js';
import type { Mosquitto, TcpTap } from './support/mosquitto.js';
import { recordMqtt } from './support/mqtt-recorder.js';
import type { MqttRecorder } from './support/mqtt-recorder.js';

// Made-up words, so that no field name, config text or credential contains one by chance.
const CANARIES = ['zebrafinch quasar 7QX launchpad', 'grandma mocha recipe 42', 'Kp9vT mauve otterly'];
const USER = { username: 'device', password: 'device-secret' };

let broker: Mosquitto;
let controlTap: TcpTap;
let tap: TcpTap;
let recorder: MqttRecorder;
let model: Model;
let sampler: PowerSampler;

beforeAll(async () => {
  broker = await startMosquitto({ users: { device: USER.password } });
  controlTap = await startTcpTap(broker.port);
  tap = await startTcpTap(broker.port);
  recorder = await recordMqtt(broker.url, USER);
  const tiny = await createTinyLlamaBundle({ seed: 11 });
  model = await loadModel(tiny.dir);
  sampler = await openPowerSampler({ source: createScriptedPowerSource({ watts: (ms) => 3 + (ms % 100) / 100 }), hz: 100 });
});

afterAll(async () => {
  await model?.close();
  await sampler?.close();
  await recorder?.close();
  await tap?.close();
  await controlTap?.close();
  await broker?.stop();
});

/** Every file under `dir`, concatenated. */
async function filesUnder(dir: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) parts.push(await readFile(join(entry.parentPath, entry.name)));
  }
  return Buffer.concat(parts);
}

describe('privacy: prompts and replies never leave the device', () => {
  it('the wire capture sees payload text when there is some (positive control)', async () => {
    const client = connect(controlTap.url, { ...USER, protocolVersion: 5, reconnectPeriod: 0 });
    await new Promise((r) => client.once('connect', r));
    await client.publishAsync('control/text', 'positive control: zebrafinch', { qos: 1 });
    await client.endAsync();
    expect(controlTap.received().includes('zebrafinch')).toBe(true);
    await recorder.until((ms) => ms.some((m) => m.payload.includes('zebrafinch')));
  });

  it('canary prompts of real generations appear in no byte the broker receives, on any topic, nor in the queue files', async () => {
    const queueDir = await mkdtemp(join(tmpdir(), 'tinyedge-privacy-'));
    const link = await connectTelemetry({ url: tap.url, deviceId: 'privacy', ...USER, queueDir, homeAssistant: true, powerBatchMs: 100, energyWaitMs: 3000 });
    await link.waitForConnection(5000);
    link.attach({ sampler, model });
    const texts: string[] = [];
    for (const prompt of CANARIES) {
      const { text, stats } = await model.generate(prompt, { maxTokens: 24, temperature: 0.8, seed: 3 }).result;
      expect(stats.promptTokens).toBeGreaterThan(5); // the canary really was the prompt
      texts.push(text);
    }
    // Every inference was reported, with its energy from the meter.
    await recorder.until((ms) => ms.filter((m) => m.topic === 'tinyedge/privacy/inference').length === CANARIES.length, 10_000);
    const reports = recorder.json<{ generatedTokens: number; energy?: { joules: number } }>('tinyedge/privacy/inference');
    expect(reports.every((r) => r.generatedTokens > 0 && (r.energy?.joules ?? 0) > 0)).toBe(true);
    await link.close();
    await recorder.until((ms) => ms.some((m) => m.topic === 'tinyedge/privacy/power'));

    const wire = tap.received();
    const delivered = Buffer.concat(recorder.messages.filter((m) => m.topic !== 'control/text').flatMap((m) => [Buffer.from(m.topic), m.payload]));
    const queue = await filesUnder(queueDir);
    expect(wire.length).toBeGreaterThan(1000);
    expect(queue.length).toBeGreaterThan(0);
    const secrets = [...CANARIES, ...CANARIES.flatMap((c) => c.split(' ').filter((w) => w.length >= 5)), ...texts.filter((t) => t.trim().length >= 8)];
    for (const secret of secrets) {
      expect(wire.includes(secret), `wire holds ${JSON.stringify(secret)}`).toBe(false);
      expect(delivered.includes(secret), `a delivered message holds ${JSON.stringify(secret)}`).toBe(false);
      expect(queue.includes(secret), `the queue holds ${JSON.stringify(secret)}`).toBe(false);
    }
  });
});
