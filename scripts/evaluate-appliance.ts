/**
 * `npm run eval:appliance`: the appliance assistant's accuracy on the
 * evaluation set (`../shared/appliance/examples.jsonl`) and on the corpus's
 * held-out test split (regenerated from the committed seed, or read from a
 * file): intent accuracy, exact action match and valid actions.
 *
 *   npx tsx scripts/evaluate-appliance.ts [--model appliance] [--examples PATH] [--test PATH | --test-size N]
 *                                         [--names request|any] [--numbers request|any] [--misses N] [--check] [--json]
 *
 * `--check` exits with code 1 when the evaluation set misses the targets
 * (intent accuracy >= 98%, exact match >= 95%, valid actions 100%).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { createAssistant } from '../src/appliance/assistant.js';
import { evaluateAssistant, parseLabelledRequests } from '../src/appliance/evaluate-assistant.js';
import type { EvaluationReport, LabelledRequest } from '../src/appliance/evaluate-assistant.js';
import { printCliError } from '../src/cli/run-action.js';
import { loadModel } from '../src/runtime/load-model.js';
import { generateCorpus } from '../src/train/corpus/generate-corpus.js';
import { APPLIANCE_CORPUS_SEED, APPLIANCE_CORPUS_SIZES } from '../src/train/corpus/write-corpus.js';

/** The quality bar of the issue, on the evaluation set. */
const TARGETS = { intentAccuracy: 0.98, exactMatch: 0.95, validActions: 1 } as const;

const DEFAULT_EXAMPLES = join(import.meta.dirname, '..', '..', 'shared', 'appliance', 'examples.jsonl');

interface Options {
  model: string;
  examples: string;
  test?: string;
  testSize: number;
  misses: number;
  names: string;
  numbers: string;
  check?: boolean;
  json?: boolean;
}

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

function summary(name: string, r: EvaluationReport, misses: number): string {
  const lines = [
    `${name}: ${r.requests} requests`,
    `  intent accuracy ${pct(r.intentAccuracy)}   exact action match ${pct(r.exactMatch)}   valid actions ${pct(r.validActions)}`,
    `  time to action p50 ${r.timeToActionMs.p50.toFixed(1)} ms, p95 ${r.timeToActionMs.p95.toFixed(1)} ms`,
  ];
  for (const [intent, row] of Object.entries(r.byIntent).sort()) {
    lines.push(`  ${intent.padEnd(20)} ${String(row.requests).padStart(5)}  intent ${pct(row.intent / row.requests).padStart(6)}  exact ${pct(row.exact / row.requests).padStart(6)}`);
  }
  for (const miss of r.misses.slice(0, misses)) {
    lines.push(`  miss: ${JSON.stringify(miss.text)}\n    expected ${JSON.stringify(miss.expected)}\n    got      ${miss.got === null ? miss.error : JSON.stringify(miss.got)}`);
  }
  if (r.misses.length > misses) lines.push(`  ... ${r.misses.length - misses} more misses (--misses N shows more)`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const program = new Command('evaluate-appliance')
    .description('Accuracy of the appliance assistant on the evaluation set and the held-out test split.')
    .option('--model <bundle>', 'bundle directory or bundled model name', 'appliance')
    .option('--examples <path>', 'the evaluation set (JSON Lines of {text, action})', DEFAULT_EXAMPLES)
    .option('--test <path>', 'a test split file instead of regenerating the corpus test split')
    .option('--test-size <n>', 'examples of the regenerated test split (0 skips it)', (v) => Number.parseInt(v, 10), APPLIANCE_CORPUS_SIZES.test)
    .option('--misses <n>', 'misses to list per set', (v) => Number.parseInt(v, 10), 10)
    .option('--names <mode>', "the assistant's names option: request (names from the request's words) or any", 'request')
    .option('--numbers <mode>', "the assistant's numbers option: request (numbers the request says) or any", 'request')
    .option('--check', 'exit with code 1 when the evaluation set misses the targets')
    .option('--json', 'print one JSON object: { model, examples, test, targets, passed }')
    .parse();
  const opts = program.opts<Options>();
  const sets: Array<[string, LabelledRequest[]]> = [['examples', parseLabelledRequests(await readFile(opts.examples, 'utf8'), opts.examples)]];
  if (opts.test !== undefined) {
    sets.push(['test', parseLabelledRequests(await readFile(opts.test, 'utf8'), opts.test)]);
  } else if (opts.testSize > 0) {
    sets.push(['test', generateCorpus({ seed: APPLIANCE_CORPUS_SEED, size: opts.testSize, split: 'test' }).map(({ text, action }) => ({ text, action }))]);
  }
  await using model = await loadModel(opts.model);
  if (opts.names !== 'request' && opts.names !== 'any') throw new RangeError(`--names must be request or any, found ${JSON.stringify(opts.names)}`);
  if (opts.numbers !== 'request' && opts.numbers !== 'any') throw new RangeError(`--numbers must be request or any, found ${JSON.stringify(opts.numbers)}`);
  const assistant = createAssistant({ model, names: opts.names, numbers: opts.numbers });
  const reports: Record<string, EvaluationReport> = {};
  for (const [name, requests] of sets) {
    reports[name] = await evaluateAssistant(assistant, requests, (done, total) => {
      if (process.stderr.isTTY && (done % 25 === 0 || done === total)) process.stderr.write(`\r${name}: ${done}/${total}`);
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
  }
  const ex = reports['examples']!;
  const passed = ex.intentAccuracy >= TARGETS.intentAccuracy && ex.exactMatch >= TARGETS.exactMatch && ex.validActions >= TARGETS.validActions;
  if (opts.json === true) {
    process.stdout.write(`${JSON.stringify({ model: { name: model.name, dir: model.dir }, names: opts.names, numbers: opts.numbers, ...reports, targets: TARGETS, passed })}\n`);
  } else {
    process.stdout.write(`model ${model.name} (${model.dir}), names: ${opts.names}, numbers: ${opts.numbers}\n`);
    for (const [name, report] of Object.entries(reports)) process.stdout.write(`${summary(name, report, opts.misses)}\n`);
    process.stdout.write(`targets on the evaluation set (intent >= 98%, exact >= 95%, valid 100%): ${passed ? 'met' : 'NOT met'}\n`);
  }
  if (opts.check === true && !passed) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  process.exitCode = printCliError(err, process.argv.includes('--json'));
}
