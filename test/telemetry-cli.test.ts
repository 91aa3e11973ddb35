import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrokerJson } from '../src/cli/broker-command.js';
import { telemetryCommand } from '../src/cli/telemetry-command.js';
import type { TelemetryJson } from '../src/cli/telemetry-command.js';
import { startEmbeddedBroker } from '../src/telemetry/embedded-broker.js';
import { connectTelemetry } from '../src/telemetry/telemetry-link.js';
import { startMosquitto } from './support/mosquitto.js';
import type { Mosquitto } from './support/mosquitto.js';
import { recordMqtt } from './support/mqtt-recorder.js';
import type { MqttRecorder } from './support/mqtt-recorder.js';
import { inProcess } from './support/run-cli.js';

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const PI5 = fileURLToPath(new URL('./fixtures/boards/raspberry-pi-5', import.meta.url));
const USER = { username: 'device', password: 'device-secret' };



let broker: Mosquitto;
let recorder: MqttRecorder;

beforeAll(async () => {
  broker = await startMosquitto({ users: { device: USER.password } });
  recorder = await recordMqtt(broker.url, USER);
});

afterAll(async () => {
  await recorder?.close();
  await broker?.stop();
});

describe('tinyedge telemetry', () => {
  it('publishes the board summary, power and Home Assistant configs, then prints one JSON summary', async () => {
    const queue = await mkdtemp(join(tmpdir(), 'tinyedge-cli-telemetry-'));
    const run = await inProcess(telemetryCommand, '--url', broker.url, '--device', 'cli-pi5', '--root', PI5, '--source', 'estimate',
      '--hz', '20', '--duration', '1.2', '--queue', queue, '--ha-discovery', '--username', USER.username, '--password', USER.password, '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout) as TelemetryJson;
    expect(body).toMatchObject({ device: 'cli-pi5', board: 'raspberry-pi-5', source: 'estimate', kind: 'estimated', queueDir: queue });
    expect(body.samples).toBeGreaterThan(5);
    expect(body.stats).toMatchObject({ queued: 0, dropped: 0, connects: 1, protocolVersion: 5 });
    expect(body.stats.acked).toBe(body.stats.lastSeq);

    await recorder.until((ms) => ms.some((m) => m.topic === 'tinyedge/cli-pi5/status' && m.payload.includes('offline')));
    const board = recorder.json('tinyedge/cli-pi5/board')[0]!;
    expect(board).toMatchObject({ board: 'raspberry-pi-5', arch: 'arm64', powerKind: 'estimated', powerSource: 'estimate' });
    expect(typeof board.socTempC).toBe('number');
    const power = recorder.json<{ kind: string; w: number[] }>('tinyedge/cli-pi5/power');
    expect(power.length).toBeGreaterThan(0);
    expect(power[0]!.kind).toBe('estimated');
    const configs = new Set(recorder.messages.filter((m) => m.topic.startsWith('homeassistant/sensor/tinyedge_cli-pi5_')).map((m) => m.topic));
    expect(configs.size).toBe(6);
    const powerConfig = recorder.json(`homeassistant/sensor/tinyedge_cli-pi5_power/config`)[0]!;
    expect(powerConfig.device).toMatchObject({ manufacturer: 'Raspberry Pi', model: 'Raspberry Pi 5', name: 'cli-pi5' });
  });

  it('a refused login fails with E_MQTT_AUTH instead of queueing forever', async () => {
    const run = await inProcess(telemetryCommand, '--url', broker.url, '--device', 'cli-auth', '--root', PI5, '--source', 'estimate',
      '--duration', '5', '--queue', await mkdtemp(join(tmpdir(), 'tinyedge-cli-telemetry-')), '--username', 'device', '--password', 'wrong', '--json');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).error.code).toBe('E_MQTT_AUTH');
  });

  it('usage errors exit 2 with E_USAGE', async () => {
    const base = ['--url', broker.url, '--device', 'cli-usage', '--root', PI5, '--json'];
    for (const extra of [['--hz', 'fast'], ['--duration', '-1'], ['--mqtt-version', '4.2']]) {
      const run = await inProcess(telemetryCommand, ...base, ...extra);
      expect(run.code, extra.join(' ')).toBe(2);
      expect(JSON.parse(run.stdout).error.code).toBe('E_USAGE');
    }
    const badId = await inProcess(telemetryCommand, '--url', broker.url, '--device', 'a/b', '--root', PI5, '--source', 'estimate', '--json',
      '--queue', await mkdtemp(join(tmpdir(), 'tinyedge-cli-telemetry-')));
    expect(JSON.parse(badId.stdout).error).toMatchObject({ code: 'E_USAGE', message: expect.stringMatching(/deviceId/) });
  });
});

describe('tinyedge broker', () => {
  it('prints its URL, carries telemetry, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', tsx, main, 'broker', '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (!stdout.includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const info = JSON.parse(stdout.split('\n')[0]!) as BrokerJson;
    expect(info).toMatchObject({ host: '127.0.0.1', protocol: '3.1.1', url: `mqtt://127.0.0.1:${info.port}` });
    expect(info.port).toBeGreaterThan(0);

    const rec = await recordMqtt(info.url, { protocolVersion: 4 });
    const link = await connectTelemetry({ url: info.url, deviceId: 'via-cli-broker', queueDir: await mkdtemp(join(tmpdir(), 'tinyedge-cli-broker-')) });
    await link.waitForConnection(5000);
    await link.publishBoard({ board: 'simulated' });
    expect(await link.flush(5000)).toBe(true);
    await rec.until((ms) => ms.some((m) => m.topic === 'tinyedge/via-cli-broker/board'));
    await rec.close();
    await link.close({ drainMs: 0 });

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('a port in use is E_IO with a hint', async () => {
    const taken = await startEmbeddedBroker({ port: 0 });
    try {
      const { brokerCommand } = await import('../src/cli/broker-command.js');
      const run = await inProcess(brokerCommand, '--port', String(taken.port), '--json');
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout).error).toMatchObject({ code: 'E_IO', hint: expect.stringMatching(/--port/) });
    } finally {
      await taken.close();
    }
  });
});
