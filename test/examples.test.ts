import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { validateAction } from '../src/index.js';

const run = promisify(execFile);
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

describe('examples are code we run', () => {
  it('runtime-demo (npm run demo) converts, loads, generates and exits 0', async () => {
    const demo = fileURLToPath(new URL('../examples/runtime-demo/main.ts', import.meta.url));
    const { stdout, stderr } = await run(process.execPath, ['--import', tsx, demo], { timeout: 60_000 });
    expect(stderr).toBe('');
    expect(stdout).toMatch(/converting it to an int8 bundle/);
    expect(stdout).toMatch(/inference:end: \w+, \d+ tokens/);
    expect(stdout).toMatch(/tokens\/s/);
  });

  it('smart-fridge (npm start) runs the scripted conversation with telemetry to an embedded broker and exits 0', async () => {
    const main = fileURLToPath(new URL('../examples/smart-fridge/src/main.ts', import.meta.url));
    const { stdout, stderr } = await run(process.execPath, ['--conditions=tinyedge-source', '--import', tsx, main, '--demo'], { timeout: 120_000 });
    expect(stderr).toBe('');
    const actions = stdout.split('\n').filter((l) => l.startsWith('  action: '));
    expect(actions.length).toBe(11);
    for (const line of actions) expect(validateAction(JSON.parse(line.slice('  action: '.length))).valid).toBe(true);
    expect(stdout).toMatch(/power: estimate \(estimated\)/);
    expect(stdout).toMatch(/J \(estimated\), [\d.]+ mJ\/token, badge [A-G]/);
    expect(stdout).toMatch(/\d+ +tinyedge\/fridge-demo\/inference/);
    expect(stdout).toMatch(/privacy: none of the \d+ three-word phrases of the requests appears in any topic or payload/);
  });
});
