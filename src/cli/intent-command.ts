import { Command } from 'commander';
import { serializeAction } from '../appliance/action.js';
import type { ApplianceAction } from '../appliance/action.js';
import { createAssistant } from '../appliance/assistant.js';
import type { AssistantStats } from '../appliance/assistant.js';
import { loadModel } from '../runtime/load-model.js';
import { runAction } from './run-action.js';

/** The bundled model the assistant commands use by default. */
export const DEFAULT_ASSISTANT_MODEL = 'appliance';

/** What `tinyedge intent --json` prints (and `tinyedge chat --json` per line, with `text`). */
export interface IntentJson {
  /** The action, keys in canonical order. */
  action: ApplianceAction;
  /** The reply for the screen. */
  reply: string;
  /** Timings and counts of the request. */
  stats: AssistantStats;
}

interface IntentCliOptions {
  model: string;
  threads: string;
  json?: boolean;
}

/**
 * Creates `tinyedge intent <text...> [--model <bundle|name>] [--threads N] [--json]`.
 *
 * Runs one request through the appliance assistant and prints the action as
 * one line of canonical JSON; with `--json`, one {@link IntentJson} object
 * instead. The words of the request may be given as one quoted argument or
 * as several. Ctrl-C aborts the request (exit code 130).
 *
 * @returns the subcommand, for `program.addCommand`
 * @example
 * ```ts
 * program.addCommand(intentCommand());
 * // $ tinyedge intent "add two litres of milk"
 * // {"intent":"shopping.add","items":[{"name":"milk","quantity":2,"unit":"l"}]}
 * ```
 */
export function intentCommand(): Command {
  return new Command('intent')
    .description('turn one request to the appliance into an action (one line of JSON)')
    .argument('<text...>', 'the request, e.g. "add two litres of milk"')
    .option('--model <bundle>', 'a bundle directory or the name of a bundled model', DEFAULT_ASSISTANT_MODEL)
    .option('--threads <n>', 'interpreter threads', '1')
    .option('--json', 'print {"action", "reply", "stats"} instead of the action alone')
    .action(runAction(async (words: string[], options: IntentCliOptions) => {
      const text = words.join(' ');
      if (text.trim() === '') throw new RangeError('the request is empty: give the words to turn into an action');
      const threads = Number(options.threads);
      if (!Number.isSafeInteger(threads)) throw new RangeError(`--threads must be an integer, found ${JSON.stringify(options.threads)}`);
      await using model = await loadModel(options.model, { threads });
      const assistant = createAssistant({ model });
      const controller = new AbortController();
      const onSigint = (): void => controller.abort();
      process.once('SIGINT', onSigint);
      try {
        const { action, reply, stats } = await assistant.handle(text, { signal: controller.signal });
        if (options.json === true) {
          const body: IntentJson = { action, reply, stats };
          process.stdout.write(`${JSON.stringify(body)}\n`);
        } else {
          process.stdout.write(`${serializeAction(action)}\n`);
        }
      } catch (err) {
        if (!controller.signal.aborted) throw err;
        process.stderr.write('aborted\n');
        process.exitCode = 130;
      } finally {
        process.off('SIGINT', onSigint);
      }
    }));
}
