/**
 * Writes the appliance corpus: data/appliance/{train,valid,test}.jsonl and
 * manifest.json (seed, sizes, SHA-256 of each file, held-out templates and
 * names). The JSONL files are not committed; manifest.json is, and
 * `--check` proves a fresh generation matches it byte for byte.
 *
 *   npx tsx scripts/generate-corpus.ts                 # write data/appliance/
 *   npx tsx scripts/generate-corpus.ts --check         # regenerate in memory, compare with the manifest
 *   npx tsx scripts/generate-corpus.ts --out dir --seed 3 --train 10000 --valid 500 --test 1000
 */
import { parseArgs } from 'node:util';
import { buildCorpusFiles, readCorpusManifest, writeCorpus } from '../src/train/corpus/write-corpus.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'data/appliance' },
    seed: { type: 'string' },
    train: { type: 'string' },
    valid: { type: 'string' },
    test: { type: 'string' },
    check: { type: 'boolean', default: false },
  },
});

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`--${name} must be a non-negative integer, found ${v}`);
  return n;
}

const sizes = { train: int('train', values.train), valid: int('valid', values.valid), test: int('test', values.test) };
const options = {
  ...(values.seed === undefined ? {} : { seed: int('seed', values.seed) }),
  sizes: Object.fromEntries(Object.entries(sizes).filter(([, v]) => v !== undefined)),
};

const started = performance.now();
if (values.check) {
  const committed = await readCorpusManifest(values.out);
  const { manifest } = buildCorpusFiles({ seed: committed.seed, sizes: { train: committed.splits.train.examples, valid: committed.splits.valid.examples, test: committed.splits.test.examples } });
  let ok = true;
  for (const split of ['train', 'valid', 'test'] as const) {
    const same = manifest.splits[split].sha256 === committed.splits[split].sha256;
    ok &&= same;
    console.log(`${split}: ${manifest.splits[split].examples} examples, sha256 ${manifest.splits[split].sha256} ${same ? 'matches' : `DIFFERS from ${committed.splits[split].sha256}`}`);
  }
  if (!ok) process.exitCode = 1;
} else {
  const manifest = await writeCorpus(values.out, options);
  for (const [split, s] of Object.entries(manifest.splits)) console.log(`${values.out}/${s.file}: ${s.examples} examples, ${s.bytes} bytes, sha256 ${s.sha256} (${split})`);
  console.log(`templates: ${manifest.templates.train} training, ${manifest.templates.heldOut} held out; ${manifest.heldOutFoods.length} held-out foods, ${manifest.heldOutDishes.length} held-out dishes`);
}
console.log(`${((performance.now() - started) / 1000).toFixed(1)} s`);
