import { access, constants } from 'node:fs/promises';
import type { BoardProfile } from './board-profile.js';
import { listEntries, permissionHint, readOptionalText, resolveRoot, underRoot } from './sysfs-read.js';

/** A power source present on this machine; see {@link listPowerSources}. */
export interface PowerSourceInfo {
  /** Stable id: `hwmon:<chip>`, `rapl:<zone name>`, `pmic`, `battery:<name>` or `estimate`. */
  id: string;
  /** `measured` (a sensor) or `estimated` (the profile's idle/load figures scaled by CPU utilisation). */
  kind: 'measured' | 'estimated';
  /** The profile sensor kind that found it. */
  sensor: 'hwmon' | 'rapl' | 'pmic' | 'battery' | 'estimate';
  /** The sysfs directory (or command) behind it, as the device sees it. */
  path: string | null;
  /** False when it exists but cannot be read by this user; `hint` says what to do. */
  readable: boolean;
  /** What to do when not readable. */
  hint?: string;
}

/** Options of {@link listPowerSources}. */
export interface ListPowerSourcesOptions {
  /** Directory laid out like `/`. Default `/`. */
  root?: string;
  /** The board whose `power.sensors` say what to look for. */
  board: BoardProfile;
}

/**
 * Lists the power sensors the board's profile names that are actually
 * present under `root`, in the profile's order of preference, then the
 * `estimate` source (always available). hwmon chips are matched by their
 * `name` file; RAPL by top-level `intel-rapl:N` zones; the Pi 5 PMIC by an
 * installed `vcgencmd`; batteries by `power_supply` entries of type
 * `Battery`. Serial meters are never probed (they need explicit
 * configuration). Nothing is sampled here: see `openPowerSampler`.
 *
 * @param options - root directory and board profile
 * @returns the sources, best first, `estimate` last
 * @throws TinyEdgeError `E_PERMISSION` when a sysfs class directory itself cannot be listed
 * @example
 * ```ts
 * const sources = await listPowerSources({ board: (await detectBoard()).profile });
 * console.log(sources.map((s) => s.id)); // e.g. [ 'rapl:package-0', 'estimate' ]
 * ```
 */
export async function listPowerSources(options: ListPowerSourcesOptions): Promise<PowerSourceInfo[]> {
  const root = resolveRoot(options.root);
  const board = options.board;
  if (typeof board !== 'object' || board === null || !Array.isArray(board.power?.sensors)) {
    throw new TypeError('board must be a BoardProfile (see loadBoards / detectBoard)');
  }
  const found: PowerSourceInfo[] = [];
  const seen = new Set<string>();
  const add = (info: PowerSourceInfo): void => {
    let id = info.id;
    for (let n = 2; seen.has(id); n++) id = `${info.id}#${n}`;
    seen.add(id);
    found.push({ ...info, id });
  };
  for (const sensor of board.power.sensors) {
    if (sensor.kind === 'hwmon') {
      for (const hwmon of await listEntries(root, '/sys/class/hwmon')) {
        const dir = `/sys/class/hwmon/${hwmon}`;
        const name = (await readOptionalText(root, `${dir}/name`))?.trim();
        if (name !== undefined && sensor.chips.includes(name)) add({ id: `hwmon:${name}`, kind: 'measured', sensor: 'hwmon', path: dir, ...(await readability(root, dir, 'power1_input', 'curr1_input')) });
      }
    } else if (sensor.kind === 'rapl') {
      for (const zone of await listEntries(root, '/sys/class/powercap')) {
        if (!/^intel-rapl:\d+$/.test(zone)) continue;
        const dir = `/sys/class/powercap/${zone}`;
        const name = (await readOptionalText(root, `${dir}/name`))?.trim() ?? zone;
        add({ id: `rapl:${name}`, kind: 'measured', sensor: 'rapl', path: dir, ...(await readability(root, dir, 'energy_uj')) });
      }
    } else if (sensor.kind === 'pmic') {
      for (const path of ['/usr/bin/vcgencmd', '/opt/vc/bin/vcgencmd']) {
        if (await exists(underRoot(root, path))) {
          add({ id: 'pmic', kind: 'measured', sensor: 'pmic', path, readable: true });
          break;
        }
      }
    } else if (sensor.kind === 'battery') {
      for (const supply of await listEntries(root, '/sys/class/power_supply')) {
        const dir = `/sys/class/power_supply/${supply}`;
        if ((await readOptionalText(root, `${dir}/type`))?.trim() !== 'Battery') continue;
        add({ id: `battery:${supply}`, kind: 'measured', sensor: 'battery', path: dir, ...(await readability(root, dir, 'power_now', 'current_now')) });
      }
    }
  }
  add({ id: 'estimate', kind: 'estimated', sensor: 'estimate', path: null, readable: true });
  return found;
}

/** Whether the first of `files` that exists in `dir` can be read; `readable: true` when none exists (the sampler decides). */
async function readability(root: string, dir: string, ...files: string[]): Promise<{ readable: boolean; hint?: string }> {
  for (const file of files) {
    const path = underRoot(root, `${dir}/${file}`);
    if (!(await exists(path))) continue;
    try {
      await access(path, constants.R_OK);
      return { readable: true };
    } catch {
      return { readable: false, hint: permissionHint(`${dir}/${file}`) };
    }
  }
  return { readable: true };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
