/**
 * The smart-fridge app.
 *
 *   node app.js                    run on the board: requests on stdin, answers on stdout
 *   node app.js --health-check     evaluate a handful of known requests, print one JSON report
 *   node app.js --demo             the scripted demo on the simulated board (npm start)
 *
 * On the board the config is `board/config.json` beside the app (a release
 * made by `tinyedge flash`); `--config <path>` names another.
 */
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { serializeAction } from 'tinyedge';
import { runDemo } from './demo.js';
import { FridgeApp } from './fridge-app.js';
import { readFridgeConfig } from './fridge-config.js';
import { runHealthCheck } from './health-check.js';

const HELP = `usage: smart-fridge [--config <file>] [--health-check | --demo] [--help]

  (no option)      run the fridge: one request per line on stdin, answers on stdout
  --health-check   evaluate known requests on this device and print one JSON report
  --demo           the scripted demo on the simulated board with an embedded broker
  --config <file>  the board config (default: board/config.json beside the app)
`;

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  if (argv.includes('--demo')) {
    const result = await runDemo();
    return result.leaked.length === 0 ? 0 : 1;
  }
  const configAt = argv.indexOf('--config');
  const configPath = configAt >= 0 ? argv[configAt + 1] : defaultConfigPath();
  if (configPath === undefined) {
    process.stderr.write(`error: no config: pass --config <file>\n\n${HELP}`);
    return 2;
  }
  const config = await readFridgeConfig(configPath);

  if (argv.includes('--health-check')) {
    // The check must not touch the real fridge: no controller, no telemetry, a throwaway state file.
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const scratch = await mkdtemp(join(tmpdir(), 'fridge-health-'));
    const app = await FridgeApp.start({ config: { ...config, controller: null, stateFile: join(scratch, 'state.json') }, noTelemetry: true });
    try {
      process.stdout.write(`${JSON.stringify(await runHealthCheck(app))}\n`);
    } finally {
      await app.close();
      await rm(scratch, { recursive: true, force: true });
    }
    return 0;
  }

  const app = await FridgeApp.start({ config });
  const stop = (): void => void app.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`smart fridge ready on ${app.board.name}; power: ${app.sampler.source.id} (${app.sampler.source.kind})\n`);
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    const request = line.trim();
    if (request === '') continue;
    try {
      const turn = await app.handle(request);
      process.stdout.write(`${serializeAction(turn.action)}\n${turn.answer}\n`);
    } catch (err) {
      process.stdout.write(`Sorry, something went wrong: ${(err as Error).message}\n`);
    }
  }
  await app.close();
  return 0;
}

function defaultConfigPath(): string | undefined {
  const beside = fileURLToPath(new URL('./board/config.json', import.meta.url));
  return existsSync(beside) ? beside : undefined;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const e = err as { code?: string; message?: string; hint?: string };
    process.stderr.write(`error ${e.code ?? 'E_FRIDGE'}: ${e.message ?? String(err)}${e.hint ? `\n  hint: ${e.hint}` : ''}\n`);
    process.exitCode = 1;
  },
);
