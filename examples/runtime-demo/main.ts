/**
 * The runtime end to end, on a model made on the spot:
 *
 * 1. random weights in the stories260K shape, written as a llama2.c checkpoint,
 *    and a small llama2.c tokenizer;
 * 2. converted to an int8 model bundle in a temporary directory;
 * 3. loaded (hashes checked, interpreter in a worker thread) and asked for a
 *    streamed generation while we watch the event loop's delay.
 *
 * The weights are random, so the text is gibberish; the numbers are real.
 * Run with `npm run demo`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { convertLlama2c, loadModel, randomLlamaWeights, writeLlama2cCheckpoint, writeLlama2cTokenizer } from '../../src/index.js';
import type { LlamaConfig } from '../../src/index.js';

const config: LlamaConfig = { dim: 64, hiddenDim: 172, nLayers: 5, nHeads: 8, nKvHeads: 4, vocabSize: 512, seqLen: 512, sharedClassifier: true };

/** A llama2.c tokenizer.bin: the special and byte pieces, printable ASCII, then common English pieces. */
function demoTokenizer(vocabSize: number): Uint8Array {
  const pieces: string[] = ['<unk>', '\n<s>\n', '\n</s>\n'];
  for (let b = 0; b < 256; b++) pieces.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  const chars: string[] = [];
  for (let c = 32; c < 127; c++) chars.push(String.fromCharCode(c));
  const words = ' the and was she he they said little day one time upon once there her his with for happy big friend play'.split(' ').slice(1);
  const merges = new Set<string>();
  for (const word of words) {
    // every prefix of " word", so BPE can build the word pair by pair
    for (let n = 2; n <= word.length + 1; n++) merges.add(` ${word}`.slice(0, n));
  }
  for (const a of 'etaoinshrdlu') for (const b of 'etaoinshrdlu') merges.add(a + b);
  const merged = [...merges].filter((m) => !chars.includes(m)).slice(0, vocabSize - pieces.length - chars.length);
  const all = [...pieces, ...merged, ...chars];
  const scores = all.map((_, id) => (id < 259 ? 0 : -(id - 258)));
  return writeLlama2cTokenizer(all, scores);
}

const dir = await mkdtemp(join(tmpdir(), 'tinyedge-demo-'));
try {
  console.log('1. making a random-weights model (stories260K shape) and its tokenizer');
  const checkpoint = writeLlama2cCheckpoint(config, randomLlamaWeights(config, 42));
  const tokenizer = demoTokenizer(config.vocabSize);

  console.log('2. converting it to an int8 bundle');
  const converted = await convertLlama2c({ checkpoint, tokenizer, out: join(dir, 'demo'), quantize: 'int8', name: 'demo', licence: 'MIT' });
  const fp32Bytes = converted.parameters * 4;
  console.log(`   ${converted.dir}: ${converted.parameters.toLocaleString('en-US')} parameters, model.tflite ${(converted.modelBytes / 1024).toFixed(0)} KiB ` +
    `(${((100 * converted.modelBytes) / fp32Bytes).toFixed(0)}% of fp32), ${converted.ms.toFixed(0)} ms`);

  console.log('3. loading it and generating\n');
  const model = await loadModel(converted.dir);
  let tokenEvents = 0;
  model.on('token', () => tokenEvents++);
  model.on('inference:end', (e) => console.log(`\n\n   inference:end: ${e.stopReason}, ${e.generatedTokens} tokens in ${e.durationMs.toFixed(1)} ms`));

  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  const generation = model.generate('Once upon a time', { maxTokens: 200, temperature: 0.8, seed: 42 });
  process.stdout.write((await generation.prompt).text);
  for await (const piece of generation) process.stdout.write(piece.text);
  const { stats, stopReason } = await generation.result;
  lag.disable();
  await model.close();

  const ms = (ns: number): string => (ns / 1e6).toFixed(1);
  console.log(`
   stop reason          ${stopReason}
   tokens               ${stats.promptTokens} prompt, ${stats.generatedTokens} generated (${tokenEvents} token events)
   decode               ${stats.tokensPerSecond.toFixed(0)} tokens/s
   time to first token  ${stats.timeToFirstTokenMs.toFixed(1)} ms
   load                 ${stats.loadMs.toFixed(0)} ms
   inside TFLite        ${stats.inferMs.toFixed(1)} ms (${(100 * (1 - stats.outsideInferFraction)).toFixed(0)}% of the generation)
   event-loop delay     p50 ${ms(lag.percentile(50))} ms, p99 ${ms(lag.percentile(99))} ms, max ${ms(lag.max)} ms while generating`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
