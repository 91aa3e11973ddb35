import { listEntries, readInteger, readOptionalText, resolveRoot } from './sysfs-read.js';

/** One cpufreq policy (a group of cores that share a clock). */
export interface CpuFrequencyPolicy {
  /** Directory name, e.g. `policy0`. */
  policy: string;
  /** The CPUs in the policy (`related_cpus`), e.g. `[0, 1, 2, 3]`. */
  cpus: number[];
  /** Current clock, MHz (`scaling_cur_freq`, else `cpuinfo_cur_freq`; the files hold kHz); null when neither is readable. */
  curMHz: number | null;
  /** Lowest clock the hardware allows, MHz (`cpuinfo_min_freq`). */
  minMHz: number;
  /** Highest clock the hardware allows, MHz (`cpuinfo_max_freq`). */
  maxMHz: number;
  /** Current upper limit set by the governor or the user, MHz (`scaling_max_freq`); null when absent. */
  limitMHz: number | null;
  /** The governor, e.g. `ondemand`; null when absent. */
  governor: string | null;
}

/** Options of {@link readCpuFrequencies}. */
export interface ReadCpuFrequenciesOptions {
  /** Directory laid out like `/`. Default `/`. */
  root?: string;
}

/**
 * Reads every cpufreq policy under `/sys/devices/system/cpu/cpufreq`. A
 * machine without cpufreq (many VMs) gives `[]`.
 *
 * @param options - root directory
 * @returns the policies, in policy-number order
 * @throws TinyEdgeError `E_PERMISSION`, `E_NOT_FOUND` (a policy without `cpuinfo_min_freq`/`cpuinfo_max_freq`),
 *   `E_SENSOR` (not a number)
 * @example
 * ```ts
 * const [policy] = await readCpuFrequencies();
 * console.log(`${policy?.curMHz} of ${policy?.maxMHz} MHz`);
 * ```
 */
export async function readCpuFrequencies(options: ReadCpuFrequenciesOptions = {}): Promise<CpuFrequencyPolicy[]> {
  const root = resolveRoot(options.root);
  const base = '/sys/devices/system/cpu/cpufreq';
  const policies = (await listEntries(root, base)).filter((name) => /^policy\d+$/.test(name));
  const out: CpuFrequencyPolicy[] = [];
  for (const policy of policies) {
    const dir = `${base}/${policy}`;
    const optionalKHz = async (file: string): Promise<number | null> => {
      const text = await readOptionalText(root, `${dir}/${file}`);
      const value = text === undefined ? NaN : Number(text.trim());
      return Number.isFinite(value) && text?.trim() !== '' ? value / 1000 : null;
    };
    const cpusText = (await readOptionalText(root, `${dir}/related_cpus`)) ?? (await readOptionalText(root, `${dir}/affected_cpus`)) ?? '';
    out.push({
      policy,
      cpus: parseCpuList(cpusText),
      curMHz: (await optionalKHz('scaling_cur_freq')) ?? (await optionalKHz('cpuinfo_cur_freq')),
      minMHz: (await readInteger(root, `${dir}/cpuinfo_min_freq`)) / 1000,
      maxMHz: (await readInteger(root, `${dir}/cpuinfo_max_freq`)) / 1000,
      limitMHz: await optionalKHz('scaling_max_freq'),
      governor: (await readOptionalText(root, `${dir}/scaling_governor`))?.trim() || null,
    });
  }
  return out;
}

/** `0 1 2 3` or `0-3,6` to `[0, 1, 2, 3]`. */
function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(/[\s,]+/)) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) {
      for (let i = Number(range[1]); i <= Number(range[2]); i++) cpus.push(i);
    } else if (/^\d+$/.test(part)) {
      cpus.push(Number(part));
    }
  }
  return cpus;
}
