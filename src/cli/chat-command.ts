import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { serializeAction } from '../appliance/action.js';
import { createAssistant } from '../appliance/assistant.js';
import { TinyEdgeError } from '../errors.js';
import { loadModel } from '../runtime/load-model.js';
import { DEFAULT_ASSISTANT_MODEL } from './intent-command.js';
import type { IntentJson } from './intent-command.js';
import { EXIT_FAILURE, printCliError, runAction } from './run-action.js';

interface ChatCliOptions {
  model: string;
  threads: string;
  json?: boolean;
}

/** One line of `tinyedge chat --json`: the request and its outcome, or its error. */
export type ChatJsonLine =
  | (IntentJson & {
      /** The request as typed. */
      text: string;
    })
  | {
      /** The request as typed. */
      text: string;
      /** Why it failed. */
      error: { code: string; message: string; hint: string };
    };

/**
 * Creates `tinyedge chat [--model <bundle|name>] [--threads N] [--json]`.
 *
 * An interactive prompt: each line typed is one request; the reply is
 * printed, then the action as canonical JSON, indented. Piped input works
 * the same without the prompt, one request per line, so a file of requests
 * can be run through it. With `--json`, each request prints one
 * {@link ChatJsonLine}. Ctrl-C aborts the request in flight, or leaves at the
 * prompt; Ctrl-D (end of input) leaves. A request that fails prints its error
 * and the chat goes on; the exit code is then 1.
 *
 * @returns the subcommand, for `program.addCommand`
 * @example
 * ```ts
 * program.addCommand(chatCommand());
 * // $ printf 'add milk\nset the freezer to minus eighteen\n' | tinyedge chat
 * ```
 */
export function chatCommand(): Command {
  return new Command('chat')
    .description('talk to the appliance assistant: one request per line, replies and actions back')
    .option('--model <bundle>', 'a bundle directory or the name of a bundled model', DEFAULT_ASSISTANT_MODEL)
    .option('--threads <n>', 'interpreter threads', '1')
    .option('--json', 'print one JSON object per request: {"text", "action", "reply", "stats"} or {"text", "error"}')
    .action(runAction(async (options: ChatCliOptions) => {
      const threads = Number(options.threads);
      if (!Number.isSafeInteger(threads)) throw new RangeError(`--threads must be an integer, found ${JSON.stringify(options.threads)}`);
      const json = options.json === true;
      await using model = await loadModel(options.model, { threads });
      const assistant = createAssistant({ model });
      const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
      const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: interactive });
      let inFlight: AbortController | null = null;
      let failed = false;
      rl.on('SIGINT', () => {
        if (inFlight !== null) inFlight.abort();
        else rl.close();
      });
      if (interactive) {
        process.stdout.write(`tinyedge chat with ${model.name}: one request per line, Ctrl-D to leave.\n`);
        rl.setPrompt('> ');
        rl.prompt();
      }
      for await (const line of rl) {
        const text = line.trim();
        if (text !== '') {
          inFlight = new AbortController();
          try {
            const { action, reply, stats } = await assistant.handle(text, { signal: inFlight.signal });
            const out: ChatJsonLine = { text, action, reply, stats };
            process.stdout.write(json ? `${JSON.stringify(out)}\n` : `${reply}\n  ${serializeAction(action)}\n`);
          } catch (err) {
            if (!(err instanceof TinyEdgeError || err instanceof RangeError || err instanceof TypeError)) throw err;
            failed = true;
            if (json) {
              const code = err instanceof TinyEdgeError ? err.code : 'E_USAGE';
              const hint = err instanceof TinyEdgeError ? err.hint : '';
              const out: ChatJsonLine = { text, error: { code, message: err.message, hint } };
              process.stdout.write(`${JSON.stringify(out)}\n`);
            } else {
              printCliError(err, false);
            }
          } finally {
            inFlight = null;
          }
        }
        if (interactive) rl.prompt();
      }
      if (interactive) process.stdout.write('\n');
      if (failed) process.exitCode = EXIT_FAILURE;
    }));
}
