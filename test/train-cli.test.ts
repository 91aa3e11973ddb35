import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTinyEdgeError } from '../src/errors.js';
import { loadModel } from '../src/runtime/load-model.js';
import { parseTrainConfig } from '../src/train/train-config.js';
import { tinyApplianceCorpus, toJsonLines } from './support/tiny-appliance-corpus.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Run { code: number; stdout: string; stderr: string }

/** Runs the CLI from source as users of `npm run tinyedge` do. */
function tinyedge(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      });
  });
}

const VALID = {
  name: 'tiny-oven',
  corpus: { train: ['train.jsonl'], test: ['test.jsonl'] },
  tokenizer: { vocabSize: 320 },
  model: { dim: 32, hiddenDim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, seqLen: 64 },
  training: { steps: 30, batchSize: 16, learningRate: 0.005, seed: 5, checkpointEvery: 10 },
  output: { bundle: 'bundle', licence: 'MIT' },
};

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tinyedge-cli-train-'));
  const corpus = tinyApplianceCorpus(260, 4);
  await writeFile(join(dir, 'train.jsonl'), toJsonLines(corpus.slice(0, 240)));
  await writeFile(join(dir, 'test.jsonl'), toJsonLines(corpus.slice(240)));
  await writeFile(join(dir, 'train.json'), JSON.stringify(VALID));
});
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('training config validation', () => {
  const check = (change: (c: Record<string, any>) => void): unknown => {
    const config = structuredClone(VALID) as Record<string, any>;
    change(config);
    try {
      parseTrainConfig(config, '/configs/train.json');
    } catch (err) {
      return err;
    }
    return null;
  };
  const cases: Array<[string, (c: Record<string, any>) => void, RegExp]> = [
    ['an unknown field', (c) => { c.model.layers = 4; }, /model has an unknown field "layers"/],
    ['a missing field', (c) => { delete c.training.seed; }, /training is missing the field "seed"/],
    ['a wrong type', (c) => { c.training.steps = 'many'; }, /training\.steps must be integer/],
    ['heads that do not divide the width', (c) => { c.model.nHeads = 5; }, /nHeads \(5\) must divide model\.dim \(32\)/],
    ['an odd head size', (c) => { c.model.dim = 36; c.model.nHeads = 4; }, /must be even for RoPE/],
    ['kv heads that do not divide the heads', (c) => { c.model.nKvHeads = 3; }, /nKvHeads \(3\) must divide model\.nHeads \(4\)/],
    ['a minimum learning rate above the peak', (c) => { c.training.minLearningRate = 0.1; }, /minLearningRate .* must be at most/],
    ['an unknown quantization', (c) => { c.output.quantize = 'int4'; }, /output\.quantize must be equal to one of the allowed values/],
  ];
  for (const [what, change, message] of cases) {
    it(`rejects ${what} with E_TRAIN_CONFIG naming the field`, () => {
      const err = check(change);
      expect(isTinyEdgeError(err, 'E_TRAIN_CONFIG')).toBe(true);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).toContain('/configs/train.json');
    });
  }

  it('resolves paths against the config file and fills the checkpoint default', () => {
    const config = parseTrainConfig(structuredClone(VALID), '/configs/train.json');
    expect(config.corpus.train).toEqual(['/configs/train.jsonl']);
    expect(config.output.bundle).toBe('/configs/bundle');
    expect(config.output.checkpoints).toBe('/configs/bundle.checkpoints');
  });
});

describe('tinyedge train', () => {
  it('--help lists its options', async () => {
    const run = await tinyedge('train', '--help');
    expect(run.code).toBe(0);
    for (const option of ['--config <file>', '--resume', '--eval <file...>', '--json']) expect(run.stdout).toContain(option);
  });

  it('a missing config is E_NOT_FOUND, an invalid one E_TRAIN_CONFIG, both as JSON with --json', async () => {
    const missing = await tinyedge('train', '--config', join(dir, 'nope.json'), '--json');
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout).error.code).toBe('E_NOT_FOUND');
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ ...VALID, model: { ...VALID.model, nHeads: 3 } }));
    const bad = await tinyedge('train', '--config', join(dir, 'bad.json'), '--json');
    expect(bad.code).toBe(1);
    const body = JSON.parse(bad.stdout) as { error: { code: string; message: string; hint: string } };
    expect(body.error.code).toBe('E_TRAIN_CONFIG');
    expect(body.error.message).toContain('nHeads (3)');
    expect(body.error.hint).toContain('docs/training.md');
  });

  it('--json trains a bundle that loads and reports loss and exact match', async () => {
    const run = await tinyedge('train', '--config', join(dir, 'train.json'), '--eval', join(dir, 'test.jsonl'), '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as {
      dir: string; steps: number; finalLoss: number; testLoss: number; parameters: number;
      evaluation: Record<string, { examples: number; exactMatch: number }>; manifest: { tokenizer: { kind: string } };
    };
    expect(result.dir).toBe(join(dir, 'bundle'));
    expect(result.steps).toBe(30);
    expect(result.finalLoss).toBeGreaterThan(0);
    expect(result.testLoss).toBeGreaterThan(0);
    expect(result.manifest.tokenizer.kind).toBe('bpe');
    expect(result.evaluation['test']!.examples).toBe(20);
    expect(result.evaluation[join(dir, 'test.jsonl')]!.exactMatch).toBe(result.evaluation['test']!.exactMatch);
    const report = JSON.parse(await readFile(join(dir, 'bundle.checkpoints', 'train-report.json'), 'utf8')) as { losses: number[] };
    expect(report.losses).toHaveLength(30);
    const model = await loadModel(result.dir);
    try {
      expect(model.manifest.name).toBe('tiny-oven');
    } finally {
      await model.close();
    }
  });
});
