import { open, readFile, rename, mkdir } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import type { Mode, Zone } from './protocol.js';

/** An item on the shopping list. */
export interface ListItem {
  name: string;
  quantity?: number;
  unit?: string;
}

/** Something in the fridge. */
export interface InventoryItem extends ListItem {
  /** Best before, `YYYY-MM-DD`. */
  expires: string;
}

/** A running kitchen timer. */
export interface KitchenTimer {
  label?: string;
  /** When it rings, epoch ms. */
  endsAt: number;
  seconds: number;
}

/** Everything the fridge remembers. */
export interface FridgeState {
  version: 1;
  inventory: InventoryItem[];
  shoppingList: ListItem[];
  timers: KitchenTimer[];
  zones: Record<Zone, { target: number; current?: number }>;
  mode: Mode;
}

/** A fresh fridge: empty list, default targets. */
export function emptyFridgeState(): FridgeState {
  return {
    version: 1,
    inventory: [],
    shoppingList: [],
    timers: [],
    zones: { fridge: { target: 4 }, freezer: { target: -18 } },
    mode: 'normal',
  };
}

/** What {@link openFridgeStore} found on disk. */
export type StoreOrigin = 'file' | 'new' | 'recovered';

/**
 * The fridge's state in one JSON file, written atomically: the new content
 * goes to a temporary file in the same directory, is fsynced, renamed over
 * the old file, and the directory is fsynced. A power cut leaves either the
 * old file or the new one, never a torn mix.
 */
export class FridgeStore {
  readonly path: string;
  readonly origin: StoreOrigin;
  state: FridgeState;
  #writes = Promise.resolve();

  private constructor(path: string, state: FridgeState, origin: StoreOrigin) {
    this.path = path;
    this.state = state;
    this.origin = origin;
  }

  /**
   * Opens the store at `path`. A missing file starts a new fridge; a file that
   * does not parse is kept aside as `<name>.corrupt-<time>` (nothing is
   * deleted) and a new fridge starts.
   */
  static async open(path: string): Promise<FridgeStore> {
    await mkdir(dirname(path), { recursive: true });
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new FridgeStore(path, emptyFridgeState(), 'new');
      throw err;
    }
    try {
      const parsed = JSON.parse(text) as FridgeState;
      if (parsed?.version !== 1 || !Array.isArray(parsed.inventory)) throw new Error('not a fridge state');
      return new FridgeStore(path, parsed, 'file');
    } catch {
      await rename(path, `${path}.corrupt-${Date.now()}`);
      return new FridgeStore(path, emptyFridgeState(), 'recovered');
    }
  }

  /** Applies `change` to the state and writes it atomically; writes are serialised. */
  async update(change: (state: FridgeState) => void): Promise<void> {
    change(this.state);
    const snapshot = JSON.stringify(this.state, null, 2) + '\n';
    const write = this.#writes.then(() => writeAtomically(this.path, snapshot));
    this.#writes = write.catch(() => undefined);
    await write;
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const file = await open(temp, 'w', 0o600);
  try {
    await file.writeFile(text, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
