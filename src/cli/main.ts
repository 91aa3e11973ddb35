#!/usr/bin/env node
// The `tinyedge` command. Each subcommand lives in its own file and exports a
// factory returning a commander `Command`; registering one is one entry in
// SUBCOMMANDS below (plus its import).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { benchCommand } from './bench-command.js';
import { boardsCommand } from './boards-command.js';
import { brokerCommand } from './broker-command.js';
import { chatCommand } from './chat-command.js';
import { convertCommand } from './convert-command.js';
import { detectCommand } from './detect-command.js';
import { doctorCommand } from './doctor-command.js';
import { flashCommand } from './flash-command.js';
import { generateCommand } from './generate-command.js';
import { inspectCommand } from './inspect-command.js';
import { intentCommand } from './intent-command.js';
import { powerCommand } from './power-command.js';
import { telemetryCommand } from './telemetry-command.js';
import { trainCommand } from './train-command.js';
import { EXIT_USAGE, printCliError } from './run-action.js';

const SUBCOMMANDS: ReadonlyArray<() => Command> = [
  benchCommand,
  boardsCommand,
  brokerCommand,
  chatCommand,
  convertCommand,
  detectCommand,
  doctorCommand,
  flashCommand,
  generateCommand,
  inspectCommand,
  intentCommand,
  powerCommand,
  telemetryCommand,
  trainCommand,
];

const program = new Command('tinyedge')
  .description('Tiny language models on Raspberry Pi-class boards: convert, inspect and run TFLite models locally.')
  .version(packageVersion(), '-V, --version', 'print the tinyedge version')
  .helpOption('-h, --help', 'show help for the command')
  .exitOverride()
  // Usage errors are printed below like every other failure (text, or JSON with --json).
  .configureOutput({ outputError: () => undefined });

for (const create of SUBCOMMANDS) program.addCommand(inherit(create(), program));

// A closed pipe (`tinyedge inspect x | head`) is not an error worth a stack.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CommanderError)) throw err;
  if (err.exitCode === 0) {
    process.exitCode = 0; // --help, --version
  } else if (err.code === 'commander.help') {
    process.exitCode = EXIT_USAGE; // no subcommand given: commander already printed the help
  } else {
    const usage = new RangeError(err.message.replace(/^error: /, ''));
    process.exitCode = printCliError(usage, process.argv.includes('--json'));
  }
}

/** Subcommands added with `addCommand` do not inherit settings; nested ones need them too. */
function inherit(command: Command, parent: Command): Command {
  command.copyInheritedSettings(parent);
  for (const sub of command.commands) inherit(sub, command);
  return command;
}

/** The version in tinyedge's package.json, found from here both in src/cli and in the built dist/. */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'tinyedge' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here; look one level up
    }
    dir = dirname(dir);
  }
  return '0.0.0-unknown';
}
