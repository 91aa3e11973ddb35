import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchSession } from '../src/bench-report/bench-session.js';
import { renderBenchReport } from '../src/bench-report/render-bench-report.js';
import { runBenchSession } from '../src/bench-report/run-bench-session.js';
import { benchCommand } from '../src/cli/bench-command.js';
import { createApplianceTestBundle } from './support/appliance-test-bundle.js';

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const PI4_TREE = fileURLToPath(new URL('./fixtures/boards/raspberry-pi-4-b', import.meta.url));
const POWER_FILE = 'sys/class/hwmon/hwmon2/power1_input'; // the Pi 4 tree's INA219 HAT
const BADGES = ['A', 'B', 'C', 'D', 'E', 'F', 'G'];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function tinyedge(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', tsx, main, ...args], { encoding: 'utf8', timeout: 90_000, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

async function inProcess(...args: string[]): Promise<Run> {
  const out: string[] = [];
  const { write } = process.stdout;
  const previous = process.exitCode;
  process.exitCode = undefined;
  process.stdout.write = ((chunk: string | Uint8Array) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  try {
    await benchCommand().exitOverride().parseAsync(args, { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = previous;
  return { code, stdout: out.join(''), stderr: '' };
}

/** A Pi 4 fixture tree whose INA219 reads a changing power, written by a timer in this process (real file reads). */
async function pi4WithChangingPower(): Promise<{ root: string; stop(): void }> {
  const root = await mkdtemp(join(tmpdir(), 'tinyedge-bench-report-'));
  await cp(PI4_TREE, root, { recursive: true });
  const t0 = Date.now();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    // 2.5-4.5 W, a 0.8 s cycle: µW as the ina2xx driver writes them. Written aside and renamed over the
    // file, so a read never sees it half-written (sysfs reads are atomic; a truncating write is not).
    const watts = 3.5 + Math.sin(((Date.now() - t0) / 800) * 2 * Math.PI);
    const file = join(root, POWER_FILE);
    void writeFile(`${file}.new`, `${Math.round(watts * 1e6)}\n`).then(() => rename(`${file}.new`, file)).finally(() => (busy = false));
  }, 15);
  return { root, stop: () => clearInterval(timer) };
}

function launchChromium(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1200, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

describe('tinyedge bench --report, in Chromium', () => {
  const dirs: string[] = [];
  let run: Run;
  let session: BenchSession;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  const offline: string[] = [];

  beforeAll(async () => {
    const fixture = await pi4WithChangingPower();
    const out = await mkdtemp(join(tmpdir(), 'tinyedge-bench-report-out-'));
    dirs.push(fixture.root, out);
    try {
      run = await tinyedge('bench', '--model', 'demo', '--board-root', fixture.root, '--duration', '1', '--hz', '20',
        '--report', join(out, 'report.html'), '--json');
    } finally {
      fixture.stop();
    }
    if (run.code !== 0) throw new Error(`tinyedge bench failed (${run.code}):\n${run.stdout}\n${run.stderr}`);
    session = JSON.parse(run.stdout) as BenchSession;

    context = await launchChromium(join(out, 'chromium-profile'));
    // Every request goes through here: the page itself is a file; anything else is a failure.
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
      offline.push(url);
      return route.abort();
    });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
    await page.goto(pathToFileURL(join(out, 'report.html')).href, { waitUntil: 'load' });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('measures a session: the fixture board, its INA219 as a measured source, samples, inferences and per-model figures', () => {
    expect(session.board.id).toBe('raspberry-pi-4-b');
    expect(session.power).toMatchObject({ source: 'hwmon:ina219', kind: 'measured', hz: 20 });
    expect(session.power.idleW).toBeGreaterThan(2);
    expect(session.power.errors).toBe(0);
    const watts = session.samples.map((s) => s.watts);
    // The timer's sine reached the samples through real file reads.
    expect(Math.max(...watts) - Math.min(...watts)).toBeGreaterThan(0.5);
    expect(Math.min(...watts)).toBeGreaterThan(2.4);
    expect(Math.max(...watts)).toBeLessThan(4.6);
    expect(session.models).toHaveLength(1);
    const [model] = session.models;
    expect(model!.name).toBe('demo-stories260K');
    expect(model!.workload).toBe('generate');
    expect(model!.summary.inferences).toBe(session.inferences.length);
    expect(session.inferences.length).toBeGreaterThanOrEqual(3);
    expect(model!.summary.tokensPerSecond).toBeGreaterThan(0);
    expect(model!.summary.joulesPerToken).toBeGreaterThan(0);
    expect(BADGES).toContain(model!.summary.badge);
    expect(model!.summary.peakRssMb).toBeGreaterThan(50);
    for (const inf of session.inferences) {
      expect(inf.endMs).toBeGreaterThan(inf.startMs);
      expect(inf.startMs).toBeGreaterThanOrEqual(model!.loadEndMs);
      expect(inf.energy?.joules).toBeGreaterThan(0);
      expect(inf.endMs).toBeLessThanOrEqual(session.samples[session.samples.length - 1]!.t);
    }
  });

  it('loads with no console errors and makes no network request', () => {
    expect(consoleErrors).toEqual([]);
    expect(offline).toEqual([]);
  });

  it('embeds the same session --json printed, and the chart plots every sample and shades every inference', async () => {
    const embedded = JSON.parse((await page.locator('#tinyedge-bench-data').textContent())!) as unknown;
    expect(embedded).toEqual(session);
    expect(await page.locator('#power-chart polyline.trace').count()).toBe(1);
    // The vertices as the browser parsed them from the SVG, not as the string was written.
    const vertices = (chart: string): Promise<number> => page.evaluate<number>(`document.querySelector('${chart} polyline.trace').points.numberOfItems`);
    expect(await vertices('#power-chart')).toBe(session.samples.length);
    expect(await vertices('#memory-chart')).toBe(session.samples.length);
    expect(await page.locator('#power-chart rect.inference').count()).toBe(session.inferences.length);
    expect(await page.locator('#power-chart rect.load').count()).toBe(session.models.length);
  });

  it('shades each inference where it happened on the time axis', async () => {
    const plot = JSON.parse((await page.locator('#power-chart').getAttribute('data-plot'))!) as { left: number; width: number; endMs: number };
    const rects = await page.locator('#power-chart rect.inference').all();
    const tolerance = session.durationS * 1000 * 0.002 + 1; // coordinates are rounded to 0.1 of 1000 viewBox units
    for (const rect of rects) {
      const index = Number(await rect.getAttribute('data-index'));
      const startMs = ((Number(await rect.getAttribute('x')) - plot.left) / plot.width) * plot.endMs;
      expect(Math.abs(startMs - session.inferences[index]!.startMs)).toBeLessThan(tolerance);
    }
    expect(rects).toHaveLength(session.inferences.length);
  });

  it('says the watts were measured, names the source and board, and shows the model with its badge', async () => {
    const text = await page.locator('body').innerText();
    expect(text).toContain('MEASURED');
    expect(text).not.toContain('ESTIMATED');
    expect(text).toContain('hwmon:ina219');
    expect(text).toContain('Raspberry Pi 4');
    expect(await page.locator('.model-name').allInnerTexts()).toEqual(['demo-stories260K']);
    expect(await page.locator('.model-card .badge').innerText()).toContain(session.models[0]!.summary.badge!);
  });

  it('reads out the sample under the pointer', async () => {
    const box = (await page.locator('#power-chart').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
    const readout = await page.locator('#power-readout').innerText();
    expect(readout).toMatch(/^\d+\.\d\d s · \d+\.\d\d W measured · RSS \d+ MB/);
    expect(await page.locator('#power-chart .cursor').getAttribute('visibility')).toBe('visible');
    expect(consoleErrors).toEqual([]);
  });
});

/** A small session written by hand, for the renderer alone. */
function handMadeSession(over: { name?: string; kind?: 'measured' | 'estimated'; label?: string } = {}): BenchSession {
  const samples = Array.from({ length: 40 }, (_, i) => ({ t: i * 100, watts: 10 + (i % 10), rssMb: 120 + i }));
  const energy = { joules: 0.5, netJoules: 0.1, avgW: 12, peakW: 14, joulesPerToken: 0.01, badge: 'A' as const, samples: 3, interpolated: false };
  return {
    version: 1, tinyedge: '0.1.0', startedAt: '2026-11-26T00:00:00.000Z', durationS: 3.9,
    machine: { cpu: 'test cpu', cores: 2, node: 'v20', os: 'linux' },
    board: { id: 'generic-linux-x64', name: 'Generic Linux x64', matchedBy: 'fallback-arch', matchDetail: '', arch: 'x64', cores: 2, memoryMB: 2048 },
    power: { source: 'estimate', kind: over.kind ?? 'estimated', label: over.label ?? 'estimated from CPU utilisation', boundary: 'model', hz: 10, idleW: 10, errors: 0, energyJ: 40, avgW: 12, peakW: 19 },
    samples,
    models: [{
      name: over.name ?? 'tiny', spec: 'tiny', origin: 'bundle directory', parameters: 1000, quantization: 'int8', bundleBytes: 5000, backend: 'native',
      workload: 'generate', loadMs: 500, loadStartMs: 0, loadEndMs: 500,
      summary: { inferences: 2, generatedTokens: 100, tokensPerSecond: 500, timeToFirstTokenMs: 3, coldTimeToFirstTokenMs: 5, timeToActionMs: null,
        joules: 1, joulesPerToken: 0.01, netJoulesPerToken: 0.002, badge: 'A', peakRssMb: 159, interpolated: 0 },
    }],
    inferences: [1000, 2500].map((startMs, i) => ({
      model: 0, requestId: i + 1, startMs, endMs: startMs + 300, promptTokens: 5, generatedTokens: 50, timeToFirstTokenMs: 3,
      tokensPerSecond: 500, timeToActionMs: null, energy,
    })),
    processPeakRssMb: 160,
  };
}

describe('renderBenchReport', () => {
  it('escapes text from bundles and sources, in the page and in the embedded JSON', () => {
    const hostile = '<img src=x onerror=alert(1)></script><script>alert(2)</script>';
    const session = handMadeSession({ name: hostile, label: hostile });
    const html = renderBenchReport(session);
    expect(html).not.toContain('<img');
    expect(html.match(/<script/g)).toHaveLength(2); // the data and the page's own script
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    const embedded = /<script type="application\/json" id="tinyedge-bench-data">([^<]*)<\/script>/.exec(html)?.[1];
    expect(JSON.parse(embedded!)).toEqual(session);
  });

  it('loads nothing: a policy that forbids it and no src or href attributes', () => {
    const html = renderBenchReport(handMadeSession());
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`);
    expect(html).not.toMatch(/\s(src|href)=/);
    expect(html).not.toMatch(/url\(/);
    expect(html).not.toMatch(/https?:/);
  });

  it('labels estimated watts as estimated, everywhere they are shown', () => {
    const html = renderBenchReport(handMadeSession({ kind: 'estimated' }));
    expect(html).toContain('ESTIMATED POWER');
    expect(html).toContain('W (est.)');
    expect(html).toContain('class="chart estimated"');
    expect(html).not.toContain('MEASURED');
    const measured = renderBenchReport(handMadeSession({ kind: 'measured' }));
    expect(measured).toContain('MEASURED POWER');
    expect(measured).not.toContain('ESTIMATED');
  });
});

describe('tinyedge bench: sessions and failures', () => {
  it('answers assistant requests on an appliance-contract model, with time to action', async () => {
    const bundle = await createApplianceTestBundle(5);
    try {
      const session = await runBenchSession({
        models: [bundle.dir], workload: 'assistant', source: 'estimate', hz: 20, durationS: 0.2, idleMs: 0, restMs: 0,
      });
      const [model] = session.models;
      expect(model!.workload).toBe('assistant');
      expect(session.power.kind).toBe('estimated');
      expect(session.power.idleW).toBeNull();
      expect(session.inferences.length).toBeGreaterThanOrEqual(3);
      for (const inf of session.inferences) expect(inf.timeToActionMs).toBeGreaterThan(0);
      expect(model!.summary.timeToActionMs).toBeGreaterThan(0);
    } finally {
      await rm(bundle.dir, { recursive: true, force: true });
    }
  });

  it('fails with E_NOT_FOUND and a hint for a bundle that is not there', async () => {
    const r = await inProcess('--model', join(tmpdir(), 'no-such-bundle-for-bench'), '--source', 'estimate', '--duration', '1', '--json');
    expect(r.code).toBe(1);
    const body = JSON.parse(r.stdout) as { error: { code: string; hint: string } };
    expect(body.error.code).toBe('E_NOT_FOUND');
    expect(body.error.hint).not.toBe('');
  });

  it('rejects a bad duration, rate or workload as a usage error before measuring anything', async () => {
    for (const args of [['--duration', '0'], ['--hz', 'fast'], ['--hz', '5000'], ['--workload', 'chat']]) {
      const r = await inProcess(...args, '--json');
      expect(r.code, args.join(' ')).toBe(2);
      expect((JSON.parse(r.stdout) as { error: { code: string } }).error.code).toBe('E_USAGE');
    }
  });

  it('checks the report path before measuring: E_NOT_FOUND for a directory that does not exist', async () => {
    const report = join(tmpdir(), 'no-such-dir-for-bench', 'r.html');
    const started = Date.now();
    const r = await inProcess('--model', 'demo', '--source', 'estimate', '--report', report, '--json');
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as { error: { code: string } }).error.code).toBe('E_NOT_FOUND');
    await expect(readFile(report)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5000 - 1); // the default session alone lasts longer than its 5 s
  });
});
