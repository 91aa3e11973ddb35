/**
 * `npm run bench`: every figure the issues ask for, one section after another.
 *
 * - `models`: tinyedge's TFLite runtime against its own reference forward and
 *   node-llama-cpp on the same random weights (bench/model-section.ts);
 * - `power`: the power sampler's own cost and jitter (bench/power.ts);
 * - `telemetry`: messages/s through the durable queue, append cost, backlog
 *   memory and drain time (bench/telemetry.ts);
 * - `assistant`: the appliance assistant's time to action, tokens/s, load
 *   time and peak RSS (bench/assistant.ts);
 * - `portable`: native against portable backend (bench/portable.ts).
 *
 * Every measurement runs in a child process of its own. A section whose
 * prerequisites are missing here (no appliance model yet, no mosquitto) is
 * skipped with the reason; a section that fails is reported and the run
 * exits 1 after the others. See docs/benchmarks.md for what each figure means.
 */
import { cpus } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ChildBenchError, runChildBench } from './child-bench.js';
import { CHILD_SECTIONS } from './child-sections.js';
import type { ChildSectionOptions } from './child-sections.js';
import { formatModelSection, runModelSection } from './model-section.js';
import { BENCH_SHAPES } from './shapes.js';

const SECTION_IDS = ['models', ...CHILD_SECTIONS.map((s) => s.id)] as const;

/** What happened to one section: its figures, or why there are none. */
type SectionOutcome = { status: 'ok'; result: unknown } | { status: 'skipped'; reason: string } | { status: 'failed'; error: string; stderr?: string };

interface BenchCliOptions {
  only?: string;
  tokens: number;
  repeat: number;
  shape?: string;
  peer: boolean;
  seconds?: number;
  messages?: number;
  backlog?: number;
  requests?: number;
  json?: boolean;
}

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer.');
  return n;
};

async function main(): Promise<void> {
  const program = new Command('bench')
    .description('Measure every figure the issues ask for: model speed and memory, sampler cost, telemetry throughput, assistant latency, native vs portable.')
    .addOption(new Option('--only <sections>', `run only these sections, comma-separated (${SECTION_IDS.join(', ')})`))
    .option('--tokens <n>', 'tokens to generate per case (models, portable)', positiveInt, 128)
    .option('--repeat <n>', 'runs per case, each in a fresh process; the median is reported (models, portable)', positiveInt, 3)
    .option('--shape <id>', `only this shape (models, portable: ${BENCH_SHAPES.map((s) => s.id).join(', ')})`)
    .option('--no-peer', 'skip node-llama-cpp (models)')
    .option('--seconds <n>', 'seconds per sampler configuration (power; default 5)', positiveInt)
    .option('--messages <n>', 'messages per throughput run (telemetry; default 20000)', positiveInt)
    .option('--backlog <n>', 'messages in the backlog (telemetry; default 100000)', positiveInt)
    .option('--requests <n>', 'warm requests to time (assistant; default 200)', positiveInt)
    .option('--json', 'print one JSON object instead of tables')
    .parse();
  const opts = program.opts<BenchCliOptions>();
  const only = opts.only === undefined ? [...SECTION_IDS] : opts.only.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = only.filter((id) => !(SECTION_IDS as readonly string[]).includes(id));
  if (unknown.length > 0 || only.length === 0) program.error(`error: --only takes ${SECTION_IDS.join(', ')}; found ${JSON.stringify(opts.only)}`);
  const shapes = BENCH_SHAPES.filter((s) => opts.shape === undefined || s.id === opts.shape);
  if (shapes.length === 0) program.error(`error: unknown shape ${opts.shape}`);
  const log = (line: string): void => void (opts.json ? process.stderr : process.stdout).write(`${line}\n`);

  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, arch: process.arch, node: process.version, date: new Date().toISOString() };
  log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.arch}, Node ${machine.node}, ${machine.date}`);
  const sections: Record<string, SectionOutcome> = {};

  if (only.includes('models')) {
    log('\n## models: decode tokens/s, time to first token, load time, peak RSS, event-loop lag (bench/model-section.ts)');
    try {
      const r = await runModelSection({ tokens: opts.tokens, repeat: opts.repeat, shapes, peer: opts.peer }, log);
      sections['models'] = { status: 'ok', result: r };
      log(`\n${formatModelSection(r)}`);
    } catch (err) {
      sections['models'] = { status: 'failed', error: (err as Error).message };
      log(`\nFAILED: ${(err as Error).message}`);
    }
  }

  const childOptions: ChildSectionOptions = {
    tokens: opts.tokens, repeat: opts.repeat,
    ...(opts.shape === undefined ? {} : { shape: opts.shape }),
    ...(opts.seconds === undefined ? {} : { seconds: opts.seconds }),
    ...(opts.messages === undefined ? {} : { messages: opts.messages }),
    ...(opts.backlog === undefined ? {} : { backlog: opts.backlog }),
    ...(opts.requests === undefined ? {} : { requests: opts.requests }),
  };
  for (const section of CHILD_SECTIONS.filter((s) => only.includes(s.id))) {
    log(`\n## ${section.id}: ${section.title}`);
    const reason = section.skipReason();
    if (reason !== null) {
      sections[section.id] = { status: 'skipped', reason };
      log(`skipped: ${reason}`);
      continue;
    }
    try {
      const json = await runChildBench(section.script, section.args(childOptions));
      sections[section.id] = { status: 'ok', result: json };
      log(`\n${section.format(json)}`);
    } catch (err) {
      const stderr = err instanceof ChildBenchError ? err.stderrTail : undefined;
      const unavailable = err instanceof ChildBenchError ? section.unavailable?.(err.stderr) ?? null : null;
      if (unavailable !== null) {
        sections[section.id] = { status: 'skipped', reason: unavailable };
        log(`\nskipped: ${unavailable}`);
        continue;
      }
      sections[section.id] = { status: 'failed', error: (err as Error).message, ...(stderr === undefined ? {} : { stderr }) };
      log(`\nFAILED: ${(err as Error).message}`);
    }
  }

  const skipped = Object.entries(sections).filter(([, s]) => s.status === 'skipped');
  const failed = Object.entries(sections).filter(([, s]) => s.status === 'failed');
  if (opts.json) process.stdout.write(`${JSON.stringify({ machine, sections }, null, 2)}\n`);
  log(`\nsections: ${Object.keys(sections).length - skipped.length - failed.length} measured` +
    `${skipped.length > 0 ? `, ${skipped.length} skipped (${skipped.map(([id]) => id).join(', ')})` : ''}` +
    `${failed.length > 0 ? `, ${failed.length} FAILED (${failed.map(([id]) => id).join(', ')})` : ''}`);
  if (failed.length > 0) process.exitCode = 1;
}

await main();
