import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

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
});
