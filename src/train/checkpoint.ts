import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TinyEdgeError } from '../errors.js';

/** Where a training run stands: enough to continue it exactly. */
export interface TrainingState {
  /** Identifies the run (config, seed, tokenizer, corpus); a checkpoint only resumes the run it came from. */
  fingerprint: string;
  /** Optimizer steps done. */
  step: number;
  /** Examples consumed: the data order's position. */
  cursor: number;
  /** Wall time spent training so far, ms (over all sessions of the run). */
  elapsedMs: number;
  /** Mean loss of every step done, in order. */
  losses: number[];
  /** Named float32 arrays: the weights, then the optimizer's moments. */
  tensors: Array<{ name: string; data: Float32Array }>;
}

const INDEX = 'checkpoint.json';
const FORMAT = 'tinyedge-train-checkpoint';

interface Index {
  format: typeof FORMAT;
  version: 1;
  fingerprint: string;
  step: number;
  cursor: number;
  elapsedMs: number;
  losses: number[];
  file: string;
  sha256: string;
  tensors: Array<{ name: string; length: number }>;
}

/**
 * Write a checkpoint into `dir`: the arrays into `checkpoint-<step>.bin`
 * (float32, little-endian, one after the other), then `checkpoint.json`
 * naming that file and its SHA-256 through a rename, then the older data
 * files are removed. A run killed at any moment leaves either the previous
 * checkpoint or this one, whole.
 *
 * @throws TinyEdgeError `E_IO` when the directory cannot be written
 */
export async function saveCheckpoint(dir: string, state: TrainingState): Promise<void> {
  const total = state.tensors.reduce((n, t) => n + t.data.length, 0);
  const bytes = new Uint8Array(total * 4);
  const view = new DataView(bytes.buffer);
  let offset = 0;
  for (const { data } of state.tensors) {
    for (let i = 0; i < data.length; i++, offset += 4) view.setFloat32(offset, data[i]!, true);
  }
  const file = `checkpoint-${state.step}.bin`;
  const index: Index = {
    format: FORMAT,
    version: 1,
    fingerprint: state.fingerprint,
    step: state.step,
    cursor: state.cursor,
    elapsedMs: state.elapsedMs,
    losses: state.losses,
    file,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    tensors: state.tensors.map((t) => ({ name: t.name, length: t.data.length })),
  };
  try {
    await mkdir(dir, { recursive: true });
    const tmpData = join(dir, `.${file}.${process.pid}.tmp`);
    await writeFile(tmpData, bytes);
    await rename(tmpData, join(dir, file));
    const tmpIndex = join(dir, `.${INDEX}.${process.pid}.tmp`);
    await writeFile(tmpIndex, `${JSON.stringify(index)}\n`);
    await rename(tmpIndex, join(dir, INDEX));
    for (const name of await readdir(dir)) {
      if (/^checkpoint-\d+\.bin$/.test(name) && name !== file) await rm(join(dir, name), { force: true });
    }
  } catch (err) {
    throw new TinyEdgeError('E_IO', `could not write a checkpoint in ${dir}: ${(err as Error).message}`, 'Check that the checkpoint directory is writable and the disk has space.', { cause: err });
  }
}

/**
 * Read the checkpoint in `dir`, or `null` when there is none.
 *
 * @param fingerprint - the run's fingerprint; a checkpoint of another run is refused
 * @throws TinyEdgeError `E_TRAIN_CHECKPOINT` when the checkpoint is damaged or belongs to another run
 */
export async function loadCheckpoint(dir: string, fingerprint: string): Promise<TrainingState | null> {
  let raw: string;
  try {
    raw = await readFile(join(dir, INDEX), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new TinyEdgeError('E_IO', `cannot read ${join(dir, INDEX)}: ${(err as Error).message}`, 'Check that the checkpoint directory is readable.', { cause: err });
  }
  const damaged = (detail: string): TinyEdgeError =>
    new TinyEdgeError('E_TRAIN_CHECKPOINT', `the checkpoint in ${dir} is damaged: ${detail}`, 'Delete the checkpoint directory and train from the start (without --resume).');
  let index: Index;
  try {
    index = JSON.parse(raw) as Index;
  } catch {
    throw damaged('checkpoint.json is not JSON');
  }
  if (index.format !== FORMAT || index.version !== 1 || typeof index.file !== 'string' || !/^checkpoint-\d+\.bin$/.test(index.file)) {
    throw damaged('checkpoint.json is not a tinyedge training checkpoint');
  }
  if (index.fingerprint !== fingerprint) {
    throw new TinyEdgeError(
      'E_TRAIN_CHECKPOINT',
      `the checkpoint in ${dir} belongs to another run (its config, seed, tokenizer or corpus differ)`,
      'Train without --resume to start over, or point output.checkpoints at the run you mean to continue.',
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(join(dir, index.file));
  } catch (err) {
    throw damaged(`cannot read ${index.file}: ${(err as Error).message}`);
  }
  if (createHash('sha256').update(bytes).digest('hex') !== index.sha256) throw damaged(`${index.file} does not match its SHA-256`);
  const total = index.tensors.reduce((n, t) => n + t.length, 0);
  if (bytes.byteLength !== total * 4) throw damaged(`${index.file} holds ${bytes.byteLength} bytes, expected ${total * 4}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  const tensors = index.tensors.map(({ name, length }) => {
    const data = new Float32Array(length);
    for (let i = 0; i < length; i++, offset += 4) data[i] = view.getFloat32(offset, true);
    return { name, data };
  });
  return { fingerprint, step: index.step, cursor: index.cursor, elapsedMs: index.elapsedMs, losses: index.losses, tensors };
}

/** Remove the checkpoint files of `dir` (only ours), so that a fresh run starts clean. */
export async function clearCheckpoint(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (name === INDEX || /^checkpoint-\d+\.bin$/.test(name)) await rm(join(dir, name), { force: true });
  }
}
