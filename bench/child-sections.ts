/**
 * The sections of `npm run bench` that are standalone scripts of their own:
 * each runs as a child process with `--json` (see child-bench.ts), and its
 * object is printed here as a table. A section whose prerequisites are
 * missing on this machine is skipped with the reason, not failed.
 */
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { AssistantBenchResult } from './assistant.js';
import { formatAssistantBench } from './assistant.js';
import type { CaseResult } from './case.js';
import type { PowerBenchResult } from './power.js';
import type { TelemetryBenchResult } from './telemetry.js';

/** The options of `npm run bench` the child sections pass on. */
export interface ChildSectionOptions {
  /** Tokens per request (portable). */
  tokens: number;
  /** Fresh processes per case (portable). */
  repeat: number;
  /** One shape only (portable). */
  shape?: string;
  /** Seconds per sampler configuration (power). */
  seconds?: number;
  /** Messages per throughput run (telemetry). */
  messages?: number;
  /** Messages in the backlog (telemetry). */
  backlog?: number;
  /** Warm requests (assistant). */
  requests?: number;
}

/** One child section. */
export interface ChildSection {
  /** What `--only` names it. */
  id: 'power' | 'telemetry' | 'assistant' | 'portable';
  /** Heading in the output. */
  title: string;
  /** The script under bench/. */
  script: string;
  /** Its arguments, `--json` included. */
  args(o: ChildSectionOptions): string[];
  /** Why it cannot run here, or null when it can. */
  skipReason(): string | null;
  /** For a run that failed: a skip reason when its stderr shows a missing prerequisite rather than a fault, else null. */
  unavailable?(stderr: string): string | null;
  /** Its JSON as Markdown. */
  format(json: unknown): string;
}

const REPO = join(import.meta.dirname, '..');
const f = (v: number | undefined, d = 1): string => (v === undefined || !Number.isFinite(v) ? '' : v.toFixed(d));
const opt = (flag: string, v: number | string | undefined): string[] => (v === undefined ? [] : [flag, String(v)]);

function onPath(program: string, extra: readonly string[] = []): boolean {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), ...extra];
  return dirs.some((dir) => dir !== '' && existsSync(join(dir, program)));
}

const power: ChildSection = {
  id: 'power',
  title: 'Power sampler cost (bench/power.ts)',
  script: 'power.ts',
  args: (o) => ['--json', ...opt('--seconds', o.seconds)],
  skipReason: () => null,
  format(json) {
    const r = json as { idleCpuPercent: number; rows: Array<PowerBenchResult & { cpuPercentAboveIdle: number }> };
    const tenHz = r.rows.filter((row) => row.hz === 10);
    return [
      `CPU of one core above an idle Node process (${f(r.idleCpuPercent, 3)} %, subtracted); ${r.rows[0]?.seconds ?? '?'} s per row`,
      '',
      '| source | Hz | samples | CPU % of one core | CPU per sample µs | tick lateness p50 / p99 / max ms | interval std ms | missed ticks |',
      `|${'---|'.repeat(8)}`,
      ...r.rows.map((row) => `| ${row.source} | ${row.hz} | ${row.samples} | ${f(row.cpuPercentAboveIdle, 3)} | ${f(row.cpuPerSampleUs, 0)} | ` +
        `${f(row.latenessP50Ms, 2)} / ${f(row.latenessP99Ms, 2)} / ${f(row.latenessMaxMs, 2)} | ${f(row.intervalStdMs, 2)} | ${row.missedTicks} |`),
      '',
      `aim, under 1 % of one core at 10 Hz: ${tenHz.length > 0 && tenHz.every((row) => row.cpuPercentAboveIdle < 1) ? 'met' : 'NOT met'}`,
    ].join('\n');
  },
};

const telemetry: ChildSection = {
  id: 'telemetry',
  title: 'Telemetry: durable queue and MQTT link (bench/telemetry.ts)',
  script: 'telemetry.ts',
  args: (o) => ['--json', ...opt('--messages', o.messages), ...opt('--backlog', o.backlog)],
  skipReason: () => (onPath('mosquitto', ['/usr/sbin']) ? null : 'mosquitto is not installed (Debian package `mosquitto`); the throughput and drain figures need a real broker'),
  format(json) {
    const r = json as TelemetryBenchResult;
    const a = r.appendUs;
    return [
      `an inference report with energy, ${r.payloadBytes} bytes per message; QoS 1 to a Mosquitto on loopback`,
      '',
      '| figure | fsync always | fsync never |',
      '|---|---|---|',
      `| messages/s through the queue to PUBACK | ${f(r.throughput.always.perSecond, 0)} | ${f(r.throughput.never.perSecond, 0)} |`,
      `| queue append, one at a time, µs/message | ${f(a.sequentialAlways)} | ${f(a.sequentialNever)} |`,
      `| queue append, bursts of 500, µs/message | ${f(a.burstAlways)} | ${f(a.burstNever)} |`,
      '',
      '| backlog | heap MB | buffers MB | queue files MB | drain s | drain msg/s |',
      '|---|---|---|---|---|---|',
      `| ${r.backlog.messages} messages | ${f(r.backlog.heapMB)} | ${f(r.backlog.externalMB)} | ${f(r.backlog.fileMB)} | ${f(r.backlog.drainSeconds, 2)} | ${f(r.backlog.drainPerSecond, 0)} |`,
    ].join('\n');
  },
};

const assistant: ChildSection = {
  id: 'assistant',
  title: 'Appliance assistant: time to action, RSS (bench/assistant.ts)',
  script: 'assistant.ts',
  args: (o) => ['--json', ...opt('--requests', o.requests)],
  skipReason() {
    if (!existsSync(join(REPO, 'models', 'appliance', 'manifest.json'))) {
      return 'the appliance model is not built yet: models/appliance has no manifest.json (`npm run train:appliance` builds it)';
    }
    const examples = join(REPO, '..', 'shared', 'appliance', 'examples.jsonl');
    return existsSync(examples) ? null : `the requests it times come from ${examples}, which is not there`;
  },
  format: (json) => formatAssistantBench(json as AssistantBenchResult),
};

interface PortableJson {
  tokens: number;
  rows: Array<{ shape: string; backend: 'native' | 'portable'; weights: string; result: CaseResult }>;
}

const portable: ChildSection = {
  id: 'portable',
  title: 'Native against portable backend (bench/portable.ts)',
  script: 'portable.ts',
  args: (o) => ['--json', '--tokens', String(o.tokens), '--repeat', String(o.repeat), ...opt('--shape', o.shape)],
  skipReason: () => (existsSync(join(REPO, 'dist', 'index.js')) ? null : 'dist/ is missing: the cases measure the built package (`npm run build`)'),
  unavailable(stderr) {
    // loadModel's code for "this backend cannot start on this machine": a prerequisite, like a missing broker.
    const line = /TinyEdgeError: (the portable backend[^\n]*)/.exec(stderr)?.[1];
    return line === undefined || !stderr.includes('E_BACKEND_UNAVAILABLE') ? null : `E_BACKEND_UNAVAILABLE: ${line}`;
  },
  format(json) {
    const r = json as PortableJson;
    const native = new Map(r.rows.filter((row) => row.backend === 'native').map((row) => [`${row.shape}/${row.weights}`, row.result]));
    return [
      `${r.tokens} tokens per request, greedy, 1 thread; the same bundles on both backends`,
      '',
      '| shape | backend | weights | decode tok/s | vs native | TTFT ms (first request) | load ms | peak RSS MB |',
      `|${'---|'.repeat(8)}`,
      ...r.rows.map(({ shape, backend, weights, result: c }) => {
        const base = native.get(`${shape}/${weights}`);
        const ratio = backend === 'portable' && base?.tokensPerSecond && c.tokensPerSecond ? `${(c.tokensPerSecond / base.tokensPerSecond).toFixed(2)}x` : '';
        const ttft = `${f(c.timeToFirstTokenMs)}${c.coldTimeToFirstTokenMs === undefined ? '' : ` (${f(c.coldTimeToFirstTokenMs)})`}`;
        return `| ${shape} | ${backend} | ${weights} | ${f(c.tokensPerSecond, 0)} | ${ratio} | ${ttft} | ${f(c.loadMs, 0)} | ${f(c.peakRssMb, 0)} |`;
      }),
    ].join('\n');
  },
};

/** The child sections, in the order `npm run bench` runs them. */
export const CHILD_SECTIONS: readonly ChildSection[] = [power, telemetry, assistant, portable];
