// Outages, for real: the broker killed with SIGKILL (and restarted with
// persistence off, so it remembers nothing), and the SDK's own process
// killed with SIGKILL and started again on the same queue. Both times every
// sequence number must reach a subscriber, first arrivals in order.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTelemetry } from '../src/telemetry/telemetry-link.js';
import { startMosquitto } from './support/mosquitto.js';
import type { Mosquitto } from './support/mosquitto.js';
import { recordMqtt } from './support/mqtt-recorder.js';
import type { MqttRecorder } from './support/mqtt-recorder.js';

const DEVICE = { username: 'device', password: 'device-secret' };
const ADMIN = { username: 'admin', password: 'admin-secret' };
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const publisherScript = fileURLToPath(new URL('./support/telemetry-publisher.ts', import.meta.url));

let broker: Mosquitto;
let recorder: MqttRecorder;

beforeAll(async () => {
  broker = await startMosquitto({ users: { device: DEVICE.password, admin: ADMIN.password } });
  recorder = await recordMqtt(broker.url, { ...ADMIN, topics: ['tinyedge/#'] });
});

afterAll(async () => {
  await recorder?.close();
  await broker?.stop();
});

/** Sequence numbers of a device's data messages, in arrival order (duplicates included). */
function arrivals(deviceId: string): number[] {
  return recorder.messages
    .filter((m) => m.topic.startsWith(`tinyedge/${deviceId}/`) && !m.topic.endsWith('/status'))
    .map((m) => (JSON.parse(m.payload.toString('utf8')) as { seq: number }).seq);
}

/** Every number 1..last arrived, and first arrivals are in increasing order. */
function expectComplete(seqs: number[], last: number): void {
  const firsts: number[] = [];
  const seen = new Set<number>();
  for (const s of seqs) {
    if (!seen.has(s)) firsts.push(s);
    seen.add(s);
  }
  const missing = Array.from({ length: last }, (_, i) => i + 1).filter((s) => !seen.has(s));
  expect(missing).toEqual([]);
  expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
  expect(Math.max(...seen)).toBe(last);
}

/** Wait until the recorder's client is connected again and subscribed, after a broker restart. */
async function recorderBack(connected: Promise<unknown>): Promise<void> {
  await connected;
  await recorder.client.subscribeAsync(['tinyedge/#'], { qos: 1 });
}

describe('outages', () => {
  it('broker killed with SIGKILL mid-stream and restarted empty: every sequence number arrives, in order', async () => {
    const link = await connectTelemetry({
      url: broker.url, deviceId: 'outage-broker', ...DEVICE, queueDir: await mkdtemp(join(tmpdir(), 'tinyedge-outage-')),
      reconnect: { initialDelayMs: 50, maxDelayMs: 250 },
    });
    await link.waitForConnection(5000);
    let publishing = true;
    let sent = 0;
    const publisher = (async () => {
      for (let i = 0; publishing; i++) {
        const t = performance.now();
        // All three data topics share one sequence.
        if (i % 3 === 0) await link.publishPower([{ t, watts: 3 + (i % 7) / 10, kind: 'measured' }, { t: t + 1, watts: 3.5, kind: 'measured' }]);
        else if (i % 3 === 1) await link.publishInference({ requestId: i, durationMs: 2, generatedTokens: 8 });
        else await link.publishBoard({ board: 'simulated', socTempC: 40 + (i % 10) });
        sent++;
        await new Promise((r) => setTimeout(r, 3));
      }
    })();

    await recorder.until(() => arrivals('outage-broker').length >= 60);
    const recorderReconnected = new Promise((r) => recorder.client.once('connect', r));
    await broker.kill9();
    const sentAtKill = sent;
    // Keep publishing into the queue while the broker is gone.
    while (sent < sentAtKill + 80) await new Promise((r) => setTimeout(r, 10));
    expect(link.connected).toBe(false);
    expect(link.stats().queued).toBeGreaterThanOrEqual(80);

    // The restarted broker knows nobody: keep the device out until the subscriber is back,
    // so that what it misses could only be the device's fault.
    await broker.setUsers({ admin: ADMIN.password }, false);
    await broker.restart();
    await recorderBack(recorderReconnected);
    await broker.setUsers({ admin: ADMIN.password, device: DEVICE.password });
    await link.waitForConnection(10_000);
    while (sent < sentAtKill + 160) await new Promise((r) => setTimeout(r, 10));
    publishing = false;
    await publisher;
    expect(await link.flush(10_000)).toBe(true);
    const last = link.stats().lastSeq;
    expect(last).toBe(sent);
    await recorder.until(() => new Set(arrivals('outage-broker')).size >= last);
    expectComplete(arrivals('outage-broker'), last);
    expect(link.stats()).toMatchObject({ dropped: 0, rejected: 0, queued: 0 });
    expect(link.stats().connects).toBeGreaterThanOrEqual(2);
    await link.close();
  });

  it('SDK process killed with SIGKILL mid-stream and restarted on its queue: nothing lost, order kept, the will says offline', async () => {
    const queueDir = await mkdtemp(join(tmpdir(), 'tinyedge-outage-'));
    const start = (): { child: ChildProcess; durable: number[]; output: () => string } => {
      const child = spawn(process.execPath, ['--import', tsx, publisherScript, broker.url, 'outage-sdk', queueDir, DEVICE.username, DEVICE.password, '2'],
        { stdio: ['ignore', 'pipe', 'pipe'] });
      const durable: number[] = [];
      let text = '';
      child.stdout!.on('data', (d: Buffer) => {
        text += d.toString();
        const lines = text.split('\n');
        text = lines.pop()!;
        for (const line of lines) if (/^\d+$/.test(line)) durable.push(Number(line));
      });
      let errText = '';
      child.stderr!.on('data', (d: Buffer) => (errText += d.toString()));
      return { child, durable, output: () => errText };
    };
    const exited = (child: ChildProcess): Promise<unknown> => new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));

    const first = start();
    await recorder.until(() => arrivals('outage-sdk').length >= 80, 30_000);
    first.child.kill('SIGKILL');
    await exited(first.child);
    const durableBeforeKill = [...first.durable];
    expect(durableBeforeKill.length).toBeGreaterThan(0);

    // The broker publishes the will of the connection that died: status offline, retained.
    await recorder.until((ms) => ms.some((m) => m.topic === 'tinyedge/outage-sdk/status' && m.payload.includes('"offline"')), 5000);
    const statuses = recorder.json<{ state: string; session: number }>('tinyedge/outage-sdk/status');
    expect(statuses.map((s) => s.state)).toEqual(['online', 'offline']);
    expect(statuses[1]!.session).toBe(statuses[0]!.session);

    const second = start();
    await recorder.until(() => Math.max(0, ...arrivals('outage-sdk')) >= Math.max(...durableBeforeKill) + 60, 30_000);
    second.child.kill('SIGTERM');
    await exited(second.child);
    expect(second.child.exitCode, second.output()).toBe(0);

    // Sequence numbers continue across the kill: nothing reported durable is ever reused.
    expect(Math.min(...second.durable)).toBeGreaterThan(Math.max(...durableBeforeKill));
    const last = Math.max(...second.durable);
    await recorder.until(() => new Set(arrivals('outage-sdk')).size >= last, 10_000);
    expectComplete(arrivals('outage-sdk'), last);
    const after = recorder.json<{ state: string; session: number }>('tinyedge/outage-sdk/status');
    expect(after.slice(2).map((s) => [s.state, s.session])).toEqual([['online', statuses[0]!.session + 1], ['offline', statuses[0]!.session + 1]]);
  });
});
