import { Command } from 'commander';
import { TinyEdgeError } from '../errors.js';
import { readInputFile } from '../read-input-file.js';
import type { CorpusExample } from '../train/read-corpus.js';
import type { TrainBundleResult, TrainStage } from '../train/train-bundle.js';
import type { TrainStepReport } from '../train/train-loop.js';
import { createProgressBar } from './progress-bar.js';
import { runAction } from './run-action.js';

interface TrainOptions {
  config: string;
  resume?: boolean;
  eval: string[];
  json?: boolean;
}

const STAGE_TEXT: Record<TrainStage, string> = {
  corpus: 'reading the corpus',
  tokenizer: 'training the tokenizer',
  train: 'training the model',
  export: 'writing the bundle',
  evaluate: 'evaluating the bundle (greedy decoding)',
};

/**
 * Creates `tinyedge train --config <train.json> [--resume] [--eval <file.jsonl>...] [--json]`:
 * trains a model bundle from a corpus of `{"text", "action"}` lines as the
 * config describes (tokenizer, model, optimisation; see `docs/training.md`),
 * with a progress bar on stderr (step, loss, tokens/s, time left), a
 * checkpoint every `training.checkpointEvery` steps, and a final greedy
 * exact-match evaluation on the test split and any `--eval` sets. Ctrl-C
 * stops after the current step, writes a checkpoint and exits; `--resume`
 * continues from it. A summary (or, with `--json`, one object) goes to stdout.
 *
 * @returns the `train` command, for `program.addCommand`
 * @example
 * ```ts
 * program.addCommand(trainCommand());
 * // $ tinyedge train --config models/appliance/train.json
 * ```
 */
export function trainCommand(): Command {
  return new Command('train')
    .description('train a model bundle from a corpus of {"text", "action"} lines')
    .requiredOption('--config <file>', 'the training config (train.json)')
    .option('--resume', 'continue from the last checkpoint of the same run')
    .option('--eval <file...>', 'extra JSON Lines sets to evaluate the bundle on (never trained on)', [])
    .option('--json', 'print one JSON object instead of the summary')
    .action(runAction(async (options: TrainOptions) => {
      const json = options.json === true;
      const [{ parseTrainConfig }, { readCorpus }] = await Promise.all([import('../train/train-config.js'), import('../train/read-corpus.js')]);
      const config = parseTrainConfig(await readConfig(options.config), options.config);
      const evaluate: Record<string, CorpusExample[]> = {};
      for (const file of options.eval) evaluate[file] = await readCorpus([file]);
      // loaded only now: tfjs and its WebAssembly backend are big, and no other command needs them
      const { trainBundle } = await import('../train/train-bundle.js');

      const controller = new AbortController();
      const onSigint = (): void => {
        if (controller.signal.aborted) process.exit(130);
        controller.abort();
        process.stderr.write('\nstopping after this step (Ctrl-C again to quit at once)...\n');
      };
      process.on('SIGINT', onSigint);
      const bar = createProgressBar('train {bar} {value}/{total} | loss {loss} | {tps} tok/s | {left} left', !json);
      const plainLog = !json && process.stderr.isTTY !== true;
      const log = (line: string): void => {
        if (!json) process.stderr.write(`${line}\n`);
      };
      try {
        const result = await trainBundle(config, {
          ...(options.resume === true ? { resume: true } : {}),
          signal: controller.signal,
          evaluate,
          onStage: (stage) => {
            bar.stop();
            log(`${STAGE_TEXT[stage]}...`);
          },
          onStep: (s: TrainStepReport) => {
            bar.update(s.step, s.steps, { loss: s.loss.toFixed(4), tps: Math.round(s.tokensPerSecond), left: formatMs(s.etaMs) });
            if (plainLog && (s.step % 100 === 0 || s.step === s.steps)) {
              log(`step ${s.step}/${s.steps}  loss ${s.loss.toFixed(4)}  ${Math.round(s.tokensPerSecond)} tok/s  ${formatMs(s.etaMs)} left`);
            }
          },
        });
        bar.stop();
        process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : summary(result));
      } finally {
        bar.stop();
        process.off('SIGINT', onSigint);
      }
    }));
}

async function readConfig(path: string): Promise<unknown> {
  const text = (await readInputFile(path, 'training config', 'Check the --config path.')).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new TinyEdgeError('E_TRAIN_CONFIG', `${path} is not JSON: ${(err as Error).message}`, 'Fix the training config; docs/training.md shows a complete example.', { cause: err });
  }
}

function formatMs(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function summary(r: TrainBundleResult): string {
  const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
  const h = r.manifest.hyperparameters;
  const lines = [
    `bundle: ${r.dir}`,
    `  name: ${r.manifest.name} ${r.manifest.version} (${r.manifest.quantization}, tokenizer ${r.manifest.tokenizer.kind})`,
    `  shape: dim ${h.dim}, hidden ${h.hiddenDim}, ${h.nLayers} layers, ${h.nHeads} heads, ${h.nKvHeads} kv heads, vocab ${h.vocabSize}, context ${h.seqLen}`,
    `  parameters: ${r.parameters.toLocaleString('en-US')}`,
    `  model.tflite: ${(r.modelBytes / 1024).toFixed(1)} KiB`,
    `training: ${r.steps} steps${r.resumedFrom === null ? '' : ` (resumed at step ${r.resumedFrom})`} on ${r.examples.train} examples` +
      `${r.examples.skipped > 0 ? ` (${r.examples.skipped} longer than the context skipped)` : ''}`,
    `  time: ${formatMs(r.trainMs)}, ${Math.round(r.tokensPerSecond)} tokens/s`,
    `  final loss: ${r.finalLoss.toFixed(4)}${r.testLoss === null ? '' : `, test loss ${r.testLoss.toFixed(4)}`} (nats per action token)`,
    ...Object.entries(r.evaluation).map(([name, e]) =>
      `evaluation (${name}, ${e.examples} examples, greedy): exact match ${pct(e.exactMatch)}, intent ${pct(e.intentMatch)}, valid JSON ${pct(e.validJson)}` +
      `${(r.overlap[name] ?? 0) > 0 ? ` (${r.overlap[name]} requests also in the training corpus)` : ''}`),
  ];
  return `${lines.join('\n')}\n`;
}
