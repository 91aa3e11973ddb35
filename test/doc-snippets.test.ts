// The guides' code: examples/snippets/*.ts are type-checked by `npm run
// typecheck`; here every snippet is shown by the guide that names it, the one
// that needs no hardware runs, and the relative links of the guides and the
// board READMEs lead to files that exist.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { getBoard, validateBoardProfile } from '../src/hal/boards.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SNIPPETS = join(ROOT, 'examples/snippets');
const snippetFiles = readdirSync(SNIPPETS).filter((f) => f.endsWith('.ts')).sort();
const GUIDES = ['docs/embedding.md', 'docs/adding-a-board.md', 'docs/power-wiring.md', 'docs/privacy.md'];
const BOARD_READMES = ['examples/boards/README.md',
  ...readdirSync(join(ROOT, 'examples/boards'), { withFileTypes: true }).filter((e) => e.isDirectory() && existsSync(join(ROOT, 'examples/boards', e.name, 'README.md')))
    .map((e) => `examples/boards/${e.name}/README.md`)];

describe('examples/snippets', () => {
  it.each(snippetFiles)('%s is named by a guide, and that guide shows it', (file) => {
    const head = readFileSync(join(SNIPPETS, file), 'utf8').split('\n', 3).join('\n');
    const guide = /docs\/[a-z-]+\.md/.exec(head)?.[0];
    expect(guide, `${file} names its guide in its first lines`).toBeDefined();
    const text = readFileSync(join(ROOT, guide!), 'utf8');
    expect(text).toContain(`examples/snippets/${file}`);
  });

  it('testing-without-hardware.ts runs: real inference, telemetry acknowledged by the embedded broker', async () => {
    const { stdout } = await promisify(execFile)(process.execPath,
      ['--conditions=tinyedge-source', '--import', 'tsx', 'examples/snippets/testing-without-hardware.ts'],
      { cwd: ROOT, timeout: 60_000 });
    expect(stdout).toMatch(/^generated 8 tokens at \d+ tokens\/s$/m);
    const acked = Number(/telemetry: (\d+) messages acknowledged/.exec(stdout)?.[1]);
    expect(acked).toBeGreaterThanOrEqual(2); // at least one power batch and the inference report
  });
});

describe('docs/adding-a-board.md', () => {
  const blocks = [...readFileSync(join(ROOT, 'docs/adding-a-board.md'), 'utf8').matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>);

  it('the example profile is valid', async () => {
    const profile = await validateBoardProfile(blocks[0], 'acme-fridge-board.json');
    expect(profile.id).toBe('acme-fridge-board');
  });

  it('the override example turns the Pi Zero 2 W into a 32-bit board and keeps the rest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tinyedge-override-'));
    try {
      await writeFile(join(dir, 'raspberry-pi-zero-2-w.json'), JSON.stringify(blocks[1]));
      const board = await getBoard('raspberry-pi-zero-2-w', { dir });
      expect([board.arch, board.inference.backend, board.cpu.cores]).toEqual(['arm', 'portable', 4]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** GitHub's anchors for a Markdown file's headings: lower case, punctuation dropped, spaces to hyphens. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const h = fenced ? null : /^#{1,6} (.+)$/.exec(line);
    if (h) anchors.add(h[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N}\- ]/gu, '').replace(/ /g, '-'));
  }
  return anchors;
}

describe('links in the guides and the board READMEs', () => {
  it.each([...GUIDES, ...BOARD_READMES])('%s: every relative link leads to a file', (doc) => {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    const broken: string[] = [];
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (/^[a-z]+:/.test(target)) continue;
      const [file, anchor] = target.split('#') as [string, string | undefined];
      const path = file === '' ? join(ROOT, doc) : join(dirname(join(ROOT, doc)), decodeURIComponent(file));
      if (!existsSync(path)) broken.push(`${target} (${relative(ROOT, path)})`);
      else if (anchor !== undefined && path.endsWith('.md') && !headingAnchors(readFileSync(path, 'utf8')).has(anchor)) broken.push(`${target} (no such heading)`);
    }
    expect(broken).toEqual([]);
  });
});
