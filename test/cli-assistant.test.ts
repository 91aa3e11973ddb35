import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAction, serializeAction, validateAction } from '../src/appliance/action.js';
import { composeReply } from '../src/appliance/reply.js';
import { chatCommand } from '../src/cli/chat-command.js';
import { intentCommand } from '../src/cli/intent-command.js';
import { createApplianceTestBundle } from './support/appliance-test-bundle.js';
import { inProcess } from './support/run-cli.js';
import type { CliRun } from './support/run-cli.js';

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

let bundle: string;

beforeAll(async () => {
  bundle = (await createApplianceTestBundle(31)).dir;
});

afterAll(async () => {
  await rm(bundle, { recursive: true, force: true });
});

/** Run the real `tinyedge` entry point with `input` piped to its stdin. */
function tinyedge(input: string, ...args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsx, main, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => void (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

describe('tinyedge intent', () => {
  it('prints the action as one line of canonical JSON', async () => {
    const run = await inProcess(intentCommand, 'add two litres of milk', '--model', bundle);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines).toHaveLength(2); // one line and the final newline
    const action = parseAction(lines[0]!);
    expect(serializeAction(action)).toBe(lines[0]);
  });

  it('joins several words into one request, and --json prints {action, reply, stats}', async () => {
    const a = await inProcess(intentCommand, 'add', 'two', 'litres', 'of', 'milk', '--model', bundle, '--json');
    const b = await inProcess(intentCommand, 'add two litres of milk', '--model', bundle, '--json');
    expect(a.code).toBe(0);
    const body = JSON.parse(a.stdout) as { action: unknown; reply: string; stats: { timeToActionMs: number; generatedTokens: number } };
    expect(Object.keys(body)).toEqual(['action', 'reply', 'stats']);
    expect(validateAction(body.action).valid).toBe(true);
    expect(body.reply).toBe(composeReply(parseAction(JSON.stringify(body.action))));
    expect(body.stats.generatedTokens).toBeGreaterThan(0);
    expect((JSON.parse(b.stdout) as { action: unknown }).action).toEqual(body.action);
  });

  it('reports errors with a code: an empty request (E_USAGE, 2), a missing model (E_NOT_FOUND, 1)', async () => {
    const empty = await inProcess(intentCommand, '  ', '--model', bundle);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^error E_USAGE: /);
    const missing = await inProcess(intentCommand, 'add milk', '--model', '/nonexistent/bundle', '--json');
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: 'E_NOT_FOUND' } });
  });

  it('documents its arguments and options in --help', () => {
    const help = intentCommand().helpInformation();
    for (const word of ['<text...>', '--model', '--json', '--threads']) expect(help).toContain(word);
    expect(chatCommand().helpInformation()).toContain('--json');
  });
});

describe('tinyedge chat', () => {
  it('answers each piped line with the reply and the action, and skips blank lines', async () => {
    const run = await tinyedge('add milk\n\nset the freezer to minus eighteen\nwho won the match?\n', 'chat', '--model', bundle);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    for (let i = 0; i < 6; i += 2) {
      const action = parseAction(lines[i + 1]!.trim());
      expect(lines[i + 1]).toBe(`  ${serializeAction(action)}`);
      expect(lines[i]).toBe(composeReply(action));
    }
  });

  it('--json prints one object per request, errors included, and exits 1 when one failed', async () => {
    const long = Array.from({ length: 400 }, (_, i) => `w${i}`).join(' ');
    const run = await tinyedge(`add eggs\n${long}\ncancel the timer`, 'chat', '--model', bundle, '--json');
    expect(run.code).toBe(1);
    const objects = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objects).toHaveLength(3);
    expect(objects[0]).toMatchObject({ text: 'add eggs' });
    expect(validateAction(objects[0]!['action']).valid).toBe(true);
    expect(objects[1]).toMatchObject({ error: { code: 'E_CONTEXT_OVERFLOW' } });
    expect(validateAction(objects[2]!['action']).valid).toBe(true);
  });

  it('is registered in the tinyedge command with intent', async () => {
    const run = await tinyedge('', 'intent', 'add milk', '--model', bundle);
    expect(run.code).toBe(0);
    expect(validateAction(JSON.parse(run.stdout)).valid).toBe(true);
  });
});
