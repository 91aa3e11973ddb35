// /proc/cpuinfo, parsed for board detection. Internal to src/hal: the
// preflight checks have their own view of the CPU (readCpuArchitecture).
import type { BoardArch } from './board-profile.js';
import { readText } from './sysfs-read.js';

/** What board detection needs from `/proc/cpuinfo`. */
export interface CpuInfo {
  /** `processor` entries: the CPUs the kernel brought up. */
  processors: number;
  /** The `Hardware` line (ARM), e.g. `BCM2835`. */
  hardware?: string;
  /** The `Revision` line (Raspberry Pi revision code, hex), e.g. `d04170`. */
  revision?: string;
  /** The `Model` line some ARM kernels print, e.g. `Raspberry Pi 5 Model B Rev 1.0`. */
  model?: string;
  /** The first `model name` line (x86; some ARM kernels). */
  modelName?: string;
  /** `Features` (ARM) or `flags` (x86) of the first processor. */
  features: string[];
  /** The architecture the text describes, when it can tell. */
  arch?: BoardArch;
}

/** Parses the text of `/proc/cpuinfo`. */
export function parseCpuInfo(text: string): CpuInfo {
  let processors = 0;
  const first = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'processor') processors++;
    if (!first.has(key)) first.set(key, value);
  }
  const featureText = first.get('features') ?? first.get('flags') ?? '';
  const features = featureText.split(/\s+/).filter((f) => f !== '');
  const info: CpuInfo = { processors, features };
  const set = (field: 'hardware' | 'revision' | 'model' | 'modelName', key: string): void => {
    const v = first.get(key);
    if (v !== undefined && v !== '') info[field] = v;
  };
  set('hardware', 'hardware');
  set('revision', 'revision');
  set('model', 'model');
  set('modelName', 'model name');
  const arch = archOf(first, features);
  if (arch !== undefined) info.arch = arch;
  return info;
}

function archOf(first: Map<string, string>, features: string[]): BoardArch | undefined {
  if (first.has('flags')) return features.includes('lm') ? 'x64' : undefined;
  const cpuArch = first.get('cpu architecture');
  // A 64-bit kernel lists AArch64 features (asimd); a 32-bit one, or a 32-bit
  // process's compat view, lists neon/vfp under "CPU architecture: 7" or "8".
  if (features.includes('asimd')) return 'arm64';
  if (cpuArch !== undefined) return 'arm';
  return undefined;
}

/** Reads and parses `/proc/cpuinfo` below `root`. */
export async function readCpuInfo(root: string): Promise<CpuInfo> {
  return parseCpuInfo(await readText(root, '/proc/cpuinfo'));
}
