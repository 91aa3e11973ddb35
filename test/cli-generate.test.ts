import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertCommand } from '../src/cli/convert-command.js';
import { generateCommand } from '../src/cli/generate-command.js';
import type { LlamaConfig } from '../src/models/llama/config.js';
import { LlamaReference } from '../src/models/llama/llama-reference.js';
import { randomLlamaWeights } from '../src/models/llama/random-llama-weights.js';
import { writeLlama2cCheckpoint } from '../src/models/llama/write-llama2c-checkpoint.js';
import { Llama2cTokenizer } from '../src/tokenizers/llama2c-tokenizer.js';
import { buildTestTokenizer } from '../src/tokenizers/write-llama2c-tokenizer.js';
import { inProcess, tinyedge } from './support/run-cli.js';

/** The stories260K shape with fewer layers: GQA, 512 tokens, 64 positions. */
const config: LlamaConfig = { dim: 64, hiddenDim: 172, nLayers: 2, nHeads: 8, nKvHeads: 4, vocabSize: 512, seqLen: 64, sharedClassifier: true };
const weights = randomLlamaWeights(config, 21);
const tokenizerBytes = buildTestTokenizer(config.vocabSize);

let dir: string;
let checkpoint: string;
let tokenizer: string;
let fp32: string;
let int8: string;




/** What llama2.c's run prints (stdout) with temperature 0 for `steps` positions, computed with the reference forward. */
function runDotC(prompt: string, steps: number): string {
  const tok = Llama2cTokenizer.fromBytes(tokenizerBytes, config.vocabSize);
  const promptTokens = tok.encode(prompt, { bos: true });
  const ref = new LlamaReference(config, weights);
  const sequence = [promptTokens[0]!];
  let token = promptTokens[0]!;
  for (let pos = 0; pos < Math.min(steps, config.seqLen); pos++) {
    const logits = ref.forward(token, pos);
    let next = promptTokens[pos + 1] ?? -1;
    if (pos >= promptTokens.length - 1) {
      next = 0;
      for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[next]!) next = i;
    }
    if (next === 1) break;
    sequence.push(next);
    token = next;
  }
  return `${tok.printedText(sequence)}\n`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tinyedge-cli-'));
  checkpoint = join(dir, 'model.bin');
  tokenizer = join(dir, 'tokenizer.bin');
  await writeFile(checkpoint, writeLlama2cCheckpoint(config, weights));
  await writeFile(tokenizer, tokenizerBytes);
  fp32 = join(dir, 'fp32');
  int8 = join(dir, 'int8');
  const a = await inProcess(convertCommand, 'llama2c', checkpoint, '--tokenizer', tokenizer, '--out', fp32, '--quantize', 'none', '--licence', 'MIT', '--json');
  const b = await inProcess(convertCommand, 'llama2c', checkpoint, '--tokenizer', tokenizer, '--out', int8);
  expect(a.stderr).toMatch(/building the none TFLite graph/);
  expect(a.code).toBe(0);
  expect(b.code).toBe(0);
  expect(b.stdout).toMatch(/name: int8 0\.1\.0 \(llama, int8\)/);
  expect(b.stdout).toMatch(/parameters: /);
  const converted = JSON.parse(a.stdout) as { dir: string; manifest: { quantization: string; licence: string }; modelBytes: number };
  expect(converted.dir).toBe(fp32);
  expect(converted.manifest).toMatchObject({ quantization: 'none', licence: 'MIT' });
  const manifest = JSON.parse(await readFile(join(int8, 'manifest.json'), 'utf8')) as { quantization: string; files: Record<string, { bytes: number }> };
  expect(manifest.quantization).toBe('int8');
  expect(manifest.files['model.tflite']!.bytes).toBeLessThan(converted.modelBytes * 0.3);
});

describe('tinyedge generate', () => {
  it('prints what llama2.c run prints at temperature 0 (prompt, text, newline), from the real bin', async () => {
    const prompt = 'Once upon a time, there was';
    const [short, full] = await Promise.all([
      tinyedge('generate', '--model', fp32, '--prompt', prompt, '--temperature', '0', '--steps', '30'),
      inProcess(generateCommand, '--model', fp32, '--prompt', prompt, '--temperature', '0', '--steps', '1000'),
    ]);
    expect(short.code).toBe(0);
    expect(short.stdout).toBe(runDotC(prompt, 30));
    expect(short.stdout.startsWith('Once upon a time, there was')).toBe(true);
    expect(short.stderr).toMatch(/^achieved tok\/s: [\d.]+/);
    expect(full.code).toBe(0);
    expect(full.stdout).toBe(runDotC(prompt, 1000));
  });

  it('prints the prompt only up to the step count, like run', async () => {
    const r = await inProcess(generateCommand, '--model', fp32, '--prompt', 'Once upon a time', '--temperature', '0', '--steps', '3');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(runDotC('Once upon a time', 3));
  });

  it('prints one JSON object with --json', async () => {
    const args = ['--model', int8, '--prompt', 'Hello', '--max-tokens', '12', '--seed', '7', '--temperature', '0.8', '--json'];
    const r = await inProcess(generateCommand, ...args);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as { text: string; tokens: number[]; stats: Record<string, number> };
    expect(body.tokens.length).toBeLessThanOrEqual(12);
    expect(typeof body.text).toBe('string');
    for (const key of ['promptTokens', 'generatedTokens', 'timeToFirstTokenMs', 'tokensPerSecond', 'loadMs']) {
      expect(typeof body.stats[key]).toBe('number');
    }
    expect(body.stats['generatedTokens']).toBe(body.tokens.length);
    const again = await inProcess(generateCommand, ...args);
    expect((JSON.parse(again.stdout) as { tokens: number[] }).tokens).toEqual(body.tokens);
  });

  it('reports errors with code and hint, as text or JSON', async () => {
    const [url, jsonError] = await Promise.all([
      tinyedge('generate', '--model', 'https://example.com/model'),
      tinyedge('generate', '--model', join(dir, 'nope'), '--json'),
    ]);
    expect(url.code).toBe(1);
    expect(url.stderr).toMatch(/^error E_NETWORK_REFUSED: .*\nhint: /);
    expect(jsonError.code).toBe(1);
    expect((JSON.parse(jsonError.stdout) as { error: { code: string } }).error.code).toBe('E_NOT_FOUND');
    const missing = await inProcess(generateCommand, '--model', join(dir, 'nope'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error E_NOT_FOUND/);
    const usage = await inProcess(generateCommand, '--model', int8, '--temperature', 'warm');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--temperature must be a number/);
  });
});

describe('tinyedge convert', () => {
  it('rejects a truncated checkpoint and a tokenizer for another vocabulary', async () => {
    const bytes = writeLlama2cCheckpoint(config, weights);
    const cut = join(dir, 'cut.bin');
    const otherTok = join(dir, 'tok400.bin');
    await writeFile(cut, bytes.subarray(0, bytes.length - 100));
    await writeFile(otherTok, buildTestTokenizer(400));
    const truncated = await inProcess(convertCommand, 'llama2c', cut, '--tokenizer', tokenizer, '--out', join(dir, 'x1'));
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toMatch(/error E_CHECKPOINT_TRUNCATED/);
    const mismatch = await inProcess(convertCommand, 'llama2c', checkpoint, '--tokenizer', otherTok, '--out', join(dir, 'x2'));
    expect(mismatch.stderr).toMatch(/error E_TOKENIZER_MISMATCH/);
    const missing = await inProcess(convertCommand, 'llama2c', join(dir, 'none.bin'), '--tokenizer', tokenizer, '--out', join(dir, 'x3'), '--json');
    expect((JSON.parse(missing.stdout) as { error: { code: string } }).error.code).toBe('E_NOT_FOUND');
  });
});
