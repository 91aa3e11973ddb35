import { Command } from 'commander';
import type { GenerateOptions } from '../runtime/generate-options.js';
import type { GenerationStats } from '../runtime/generation.js';
import { loadModel } from '../runtime/load-model.js';
import type { BackendOption } from '../runtime/portable/choose-runner-backend.js';
import type { InferenceEnergyReport } from '../power/energy-meter.js';
import type { PowerSourceName } from '../power/open-power-source.js';
import { openPowerSampler } from '../power/open-power-sampler.js';
import { runAction } from './run-action.js';

interface GenerateCliOptions {
  model: string;
  prompt: string;
  maxTokens?: string;
  steps?: string;
  temperature: string;
  topK: string;
  topP: string;
  repetitionPenalty: string;
  seed?: string;
  stop: string[];
  threads: string;
  backend?: string;
  power?: string | true;
  json?: boolean;
}

/** What `tinyedge generate --json` prints. */
export interface GenerateJson {
  /** The generated text (the prompt not included). */
  text: string;
  /** Generated token ids. */
  tokens: number[];
  /** The prompt as the model printed it. */
  prompt: string;
  /** Why generation ended. */
  stopReason: string;
  /** Counts and timings, as the model reports them. */
  stats: GenerationStats;
  /** The energy report, with `--power`. */
  energy?: InferenceEnergyReport;
}

/** llama2.c run's default `-n`: 256 positions, prompt included. */
const DEFAULT_STEPS = 256;

/**
 * Creates `tinyedge generate --model <bundle-dir|name> [--prompt TEXT]
 * [--max-tokens N] [--steps N] [--temperature T] [--top-k K] [--top-p P]
 * [--repetition-penalty R] [--seed S] [--stop TEXT]... [--threads N] [--backend native|portable|auto] [--power [SOURCE]] [--json]`.
 *
 * Prints like llama2.c's `run`: the prompt as the tokenizer decodes it, the
 * generated text as it streams, a newline; the decode rate goes to stderr.
 * `--steps` counts positions including the prompt, as run's `-n` does; with
 * neither `--steps` nor `--max-tokens` the limit is run's default of 256
 * steps. Defaults match run's: temperature 1, top-p 0.9. With `--json` it
 * prints one {@link GenerateJson} object instead. `--power` samples a power
 * source (default `auto`, see `tinyedge power`) during the generation and
 * adds its energy report (joules, J/token, badge, prefill and decode) to the
 * JSON, or prints it on stderr. Ctrl-C stops generation
 * and keeps what was generated (exit code 130).
 *
 * @returns the subcommand, for `program.addCommand`
 * @example
 * ```ts
 * program.addCommand(generateCommand());
 * // $ tinyedge generate --model bundles/stories260k --prompt "Once upon a time" --temperature 0 --steps 64
 * ```
 */
export function generateCommand(): Command {
  return new Command('generate')
    .description('generate text with a model bundle, streaming it like llama2.c run')
    .requiredOption('--model <bundle>', 'a bundle directory or the name of a bundled model')
    .option('--prompt <text>', 'the prompt', '')
    .option('--max-tokens <n>', 'most tokens to generate')
    .option('--steps <n>', `most positions to run, prompt included, like llama2.c run -n (default ${DEFAULT_STEPS} when --max-tokens is not given)`)
    .option('--temperature <t>', '0 = greedy', '1')
    .option('--top-k <k>', '0 = off', '0')
    .option('--top-p <p>', '1 = off', '0.9')
    .option('--repetition-penalty <r>', '1 = off', '1')
    .option('--seed <s>', 'sampler seed (default: random)')
    .option('--stop <text>', 'stop when this text appears (repeatable)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--threads <n>', 'interpreter threads', '1')
    .option('--backend <name>', 'native (TFLite library), portable (WebAssembly) or auto (default: $TINYEDGE_BACKEND, else auto)')
    .option('--power [source]', 'measure the energy of the generation with a power source (default auto; see tinyedge power)')
    .option('--json', 'print one JSON object when done instead of streaming')
    .action(runAction(async (options: GenerateCliOptions) => {
      const maxTokens = optionalInteger(options.maxTokens, '--max-tokens');
      let steps = optionalInteger(options.steps, '--steps');
      if (steps === undefined && maxTokens === undefined) steps = DEFAULT_STEPS;
      const seed = optionalInteger(options.seed, '--seed');
      const controller = new AbortController();
      const generateOptions: GenerateOptions = {
        temperature: number(options.temperature, '--temperature'),
        topK: integer(options.topK, '--top-k'),
        topP: number(options.topP, '--top-p'),
        repetitionPenalty: number(options.repetitionPenalty, '--repetition-penalty'),
        stop: options.stop,
        signal: controller.signal,
        ...(maxTokens === undefined ? {} : { maxTokens }),
        ...(steps === undefined ? {} : { steps }),
        ...(seed === undefined ? {} : { seed }),
      };
      const threads = integer(options.threads, '--threads');

      await using model = await loadModel(options.model, { threads, ...(options.backend === undefined ? {} : { backend: options.backend as BackendOption }) });
      const sampler = options.power === undefined ? null
        : await openPowerSampler({ source: (options.power === true ? 'auto' : options.power) as PowerSourceName });
      const energy = sampler?.meter(model).next();
      energy?.catch(() => undefined); // awaited below; never an unhandled rejection when generation fails first
      const onSigint = (): void => controller.abort();
      process.once('SIGINT', onSigint);
      try {
        const generation = model.generate(options.prompt, generateOptions);
        const prompt = await generation.prompt;
        if (options.json !== true) {
          // run prints one piece per forced prompt token, and stops early when steps end inside the prompt.
          const shown = steps === undefined ? prompt.pieces : prompt.pieces.slice(0, Math.min(steps, model.contextLength));
          process.stdout.write(shown.join(''));
          for await (const piece of generation) process.stdout.write(piece.text);
        }
        const result = await generation.result;
        const report = energy === undefined ? undefined : await energy;
        if (options.json === true) {
          const body: GenerateJson = { text: result.text, tokens: result.tokens, prompt: prompt.text, stopReason: result.stopReason, stats: result.stats };
          if (report !== undefined) body.energy = report;
          process.stdout.write(`${JSON.stringify(body)}\n`);
        } else {
          process.stdout.write('\n');
          const s = result.stats;
          process.stderr.write(
            `achieved tok/s: ${s.tokensPerSecond.toFixed(1)} (${s.generatedTokens} tokens, first after ${s.timeToFirstTokenMs.toFixed(1)} ms, load ${s.loadMs.toFixed(0)} ms, ${s.backend} backend)\n`,
          );
          if (report !== undefined) {
            const perToken = report.joulesPerToken === null ? '-' : `${report.joulesPerToken.toFixed(4)} J/token`;
            process.stderr.write(`energy: ${report.joules.toFixed(3)} J (${perToken}, badge ${report.badge ?? '-'}), mean ${report.avgW.toFixed(2)} W, peak ${report.peakW.toFixed(2)} W`
              + ` [${report.source}, ${report.kind}${report.interpolated ? ', interpolated: shorter than the sampling can resolve' : ''}]\n`);
          }
        }
        if (result.stopReason === 'aborted') process.exitCode = 130;
      } finally {
        process.off('SIGINT', onSigint);
        await sampler?.close();
      }
    }));
}

function number(text: string, flag: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new RangeError(`${flag} must be a number, found ${JSON.stringify(text)}`);
  return value;
}

function integer(text: string, flag: string): number {
  const value = number(text, flag);
  if (!Number.isSafeInteger(value)) throw new RangeError(`${flag} must be an integer, found ${JSON.stringify(text)}`);
  return value;
}

function optionalInteger(text: string | undefined, flag: string): number | undefined {
  return text === undefined ? undefined : integer(text, flag);
}
