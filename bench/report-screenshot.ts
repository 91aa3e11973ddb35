/**
 * Makes docs/bench-report.png: a real `tinyedge bench --report` run on this
 * machine (the built CLI when `dist/` exists, as a user runs it, else the
 * sources through tsx), photographed in Debian's Chromium through
 * playwright-core, the whole page at 1200 px wide.
 *
 *   npx tsx bench/report-screenshot.ts [--model <bundle|name>]... [--duration S] [--html out.html] [--out docs/bench-report.png]
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { chromium } from 'playwright-core';

const program = new Command('report-screenshot')
  .description('Run tinyedge bench --report and take a full-page screenshot of the page with Chromium.')
  .option('--model <bundle|name>', 'a model to run (repeatable; default as tinyedge bench)', (v: string, all: string[]) => [...all, v], [] as string[])
  .option('--duration <seconds>', 'seconds of inferences per model', '5')
  .option('--html <file>', 'also keep the report page here')
  .option('--out <file>', 'the screenshot', join(import.meta.dirname, '..', 'docs', 'bench-report.png'))
  .parse();
const opts = program.opts<{ model: string[]; duration: string; html?: string; out: string }>();

const repo = join(import.meta.dirname, '..');
const cli = existsSync(join(repo, 'dist', 'cli.js')) ? [join(repo, 'dist', 'cli.js')] : ['--import', 'tsx', join(repo, 'src', 'cli', 'main.ts')];
const work = await mkdtemp(join(tmpdir(), 'tinyedge-report-shot-'));
try {
  const html = resolve(opts.html ?? join(work, 'report.html'));
  const args = [...cli, 'bench', '--report', html, '--duration', opts.duration, ...opts.model.flatMap((m) => ['--model', m])];
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 16 << 20 });
  process.stderr.write(stdout);
  const context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1200, height: 900 }, colorScheme: 'light',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await context.newPage();
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
    await page.screenshot({ path: opts.out, fullPage: true });
  } finally {
    await context.close();
  }
  process.stderr.write(`screenshot: ${opts.out}\n`);
} finally {
  await rm(work, { recursive: true, force: true });
}
