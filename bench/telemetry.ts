/**
 * Telemetry benchmark: `npx tsx bench/telemetry.ts [--messages N] [--backlog N] [--json]`.
 *
 * - append cost: µs per message written to the durable queue, one at a time
 *   (each awaited) and in bursts of 500 (group commit), with fsync `always` and `never`;
 * - throughput: messages per second from `publishInference` to PUBACK at
 *   QoS 1 through the queue, to a Mosquitto on loopback started here;
 * - memory: heap and buffers held by a queue of `--backlog` pending messages
 *   (growth after a warm-up, scaled to the whole backlog);
 * - drain: how long that backlog takes to reach the broker once it comes back.
 *
 * Needs `mosquitto` (Debian package) on the PATH or in /usr/sbin.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Command } from 'commander';
import { DurableQueue } from '../src/telemetry/durable-queue.js';
import type { QueueFsyncPolicy } from '../src/telemetry/durable-queue.js';
import { connectTelemetry } from '../src/telemetry/telemetry-link.js';
import { freePort, startMosquitto } from '../test/support/mosquitto.js';

/** What `--json` prints. */
export interface TelemetryBenchResult {
  /** A typical inference report payload, bytes. */
  payloadBytes: number;
  /** Append cost, µs per message. */
  appendUs: Record<'sequentialAlways' | 'burstAlways' | 'sequentialNever' | 'burstNever', number>;
  /** QoS 1 through the queue to Mosquitto, messages/s, by fsync policy. */
  throughput: Record<'always' | 'never', { messages: number; seconds: number; perSecond: number }>;
  /** A backlog of pending messages in one queue. */
  backlog: { messages: number; heapMB: number; externalMB: number; fileMB: number; drainSeconds: number; drainPerSecond: number };
}

const KINDS = ['power', 'board', 'inference'];
const report = (requestId: number): Record<string, unknown> => ({
  requestId, stopReason: 'maxTokens', promptTokens: 12, generatedTokens: 64, durationMs: 412.5, inferMs: 390.1,
  stats: { timeToFirstTokenMs: 21.4, tokensPerSecond: 160.2, outsideInferFraction: 0.05 },
  energy: { requestId, durationMs: 412.5, joules: 2.31, netJoules: 0.72, avgW: 5.6, peakW: 6.9, joulesPerToken: 0.036, prefill: { ms: 21.4, joules: 0.11 }, decode: { ms: 391, joules: 2.2 }, interpolated: false, kind: 'measured', badge: 'C' },
});
const payload = Buffer.from(JSON.stringify({ v: 1, seq: 123456, ts: Date.now(), dropped: 0, ...report(1) }));

const gc = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tinyedge-bench-telemetry-'));
}

async function appendCost(fsync: QueueFsyncPolicy, burst: boolean, count: number): Promise<number> {
  const dir = await tempDir();
  const q = await DurableQueue.open({ dir, kinds: KINDS, fsync, maxBytes: 256 * 1024 * 1024 });
  const start = performance.now();
  if (burst) {
    for (let i = 0; i < count; i += 500) {
      await Promise.all(Array.from({ length: Math.min(500, count - i) }, () => q.append('inference', () => payload)));
    }
  } else {
    for (let i = 0; i < count; i++) await q.append('inference', () => payload);
  }
  const us = ((performance.now() - start) * 1000) / count;
  await q.close();
  await rm(dir, { recursive: true, force: true });
  return us;
}

async function throughput(url: string, fsync: QueueFsyncPolicy, messages: number): Promise<{ messages: number; seconds: number; perSecond: number }> {
  const dir = await tempDir();
  const link = await connectTelemetry({ url, deviceId: `bench-${String(fsync)}`, queueDir: dir, queue: { fsync, maxBytes: 256 * 1024 * 1024 } });
  await link.waitForConnection(10_000);
  const start = performance.now();
  // Producers keep a bounded number of appends in flight, as a busy device would.
  for (let i = 0; i < messages; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, messages - i) }, (_, k) => link.publishInference(report(i + k) as never)));
  }
  if (!(await link.flush(120_000))) throw new Error('the queue did not drain');
  const seconds = (performance.now() - start) / 1000;
  await link.close();
  await rm(dir, { recursive: true, force: true });
  return { messages, seconds, perSecond: messages / seconds };
}

async function backlog(count: number): Promise<TelemetryBenchResult['backlog']> {
  const port = await freePort();
  const dir = await tempDir();
  // Nothing listens on the port yet: the broker is "down" while the backlog builds.
  const link = await connectTelemetry({
    url: `mqtt://127.0.0.1:${port}`, deviceId: 'bench-backlog', queueDir: dir,
    queue: { fsync: 'never', maxBytes: 512 * 1024 * 1024 }, reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
  });
  const fill = async (from: number, to: number): Promise<void> => {
    for (let i = from; i < to; i += 1000) {
      await Promise.all(Array.from({ length: Math.min(1000, to - i) }, (_, k) => link.publishInference(report(i + k) as never)));
    }
  };
  // Warm up first (compiled code counts as heap too), then measure the growth over the rest and scale it to `count`.
  const warm = Math.min(5000, Math.floor(count / 10));
  await fill(0, warm);
  gc();
  gc();
  const before = process.memoryUsage();
  await fill(warm, count);
  gc();
  gc();
  const after = process.memoryUsage();
  const scale = count / (count - warm);
  const stats = link.stats();
  if (stats.queued !== count) throw new Error(`expected ${count} queued, found ${stats.queued}`);
  const broker = await startMosquittoOn(port);
  const start = performance.now();
  if (!(await link.flush(600_000))) throw new Error('the backlog did not drain');
  const drainSeconds = (performance.now() - start) / 1000;
  await link.close();
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
  return {
    messages: count,
    heapMB: ((after.heapUsed - before.heapUsed) * scale) / 2 ** 20,
    externalMB: ((after.external + after.arrayBuffers - before.external - before.arrayBuffers) * scale) / 2 ** 20,
    fileMB: stats.queueBytes / 2 ** 20,
    drainSeconds,
    drainPerSecond: count / drainSeconds,
  };
}

/** Mosquitto with anonymous access on a given port (the bench measures the link, not auth). */
async function startMosquittoOn(port: number): Promise<{ url: string; stop(): Promise<void> }> {
  return startMosquitto({ port, anonymous: true });
}

async function main(): Promise<void> {
  const program = new Command('bench-telemetry')
    .description('Measure the durable queue and the MQTT link: append cost, QoS 1 messages/s, backlog memory and drain time.')
    .option('--messages <n>', 'messages per throughput run', (v) => Number.parseInt(v, 10), 20_000)
    .option('--backlog <n>', 'messages in the backlog', (v) => Number.parseInt(v, 10), 100_000)
    .option('--json', 'print one JSON object')
    .parse();
  const opts = program.opts<{ messages: number; backlog: number; json?: boolean }>();
  const log = (line: string): void => void (opts.json ? process.stderr : process.stdout).write(`${line}\n`);

  log(`payload: ${payload.length} bytes (an inference report with energy)`);
  // The backlog first, so its memory figures start from a quiet heap.
  const b = await backlog(opts.backlog);
  log(`backlog of ${b.messages}: heap +${b.heapMB.toFixed(1)} MB, buffers +${b.externalMB.toFixed(1)} MB, files ${b.fileMB.toFixed(1)} MB; `
    + `drained in ${b.drainSeconds.toFixed(2)} s (${b.drainPerSecond.toFixed(0)} msg/s) once the broker came back`);

  const appendUs = {
    sequentialAlways: await appendCost('always', false, 2000),
    burstAlways: await appendCost('always', true, 20_000),
    sequentialNever: await appendCost('never', false, 20_000),
    burstNever: await appendCost('never', true, 20_000),
  };
  log(`append, µs/message: one at a time ${appendUs.sequentialAlways.toFixed(1)} (fsync always), ${appendUs.sequentialNever.toFixed(1)} (never); `
    + `in bursts of 500 ${appendUs.burstAlways.toFixed(1)} (always), ${appendUs.burstNever.toFixed(1)} (never)`);

  const broker = await startMosquittoOn(await freePort());
  const url = broker.url;
  const tp = { always: await throughput(url, 'always', opts.messages), never: await throughput(url, 'never', opts.messages) };
  await broker.stop();
  log(`QoS 1 through the queue to Mosquitto: ${tp.always.perSecond.toFixed(0)} msg/s (fsync always), ${tp.never.perSecond.toFixed(0)} msg/s (never), ${opts.messages} messages each`);

  const result: TelemetryBenchResult = { payloadBytes: payload.length, appendUs, throughput: tp, backlog: b };
  if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

await main();
