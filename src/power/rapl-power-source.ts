import { join } from 'node:path';
import { TinyEdgeError } from '../errors.js';
import type { PowerReading, PowerSource } from './power-source.js';
import { listDirectory, readAttribute, readNumber } from './sysfs-files.js';

/**
 * Why `energy_uj` is root-only and what to do about it (CVE-2020-8694,
 * "PLATYPUS": kernels since 5.10 and the stable backports restrict it).
 */
const RAPL_PERMISSION_HINT = 'RAPL energy counters are root-only since the PLATYPUS fix (CVE-2020-8694): run as root, '
  + 'or allow your user with `sudo chmod a+r /sys/class/powercap/intel-rapl:*/energy_uj` (until reboot) or a sysfsutils rule '
  + '(`mode class/powercap/intel-rapl:0/energy_uj = 0444` in /etc/sysfs.conf).';

interface RaplPackage {
  dir: string;
  name: string;
  rangeUj: number;
  last: number;
}

/**
 * Open the x86 RAPL energy counters of the CPU package domains under
 * `<root>/sys/class/powercap` (`intel-rapl:N` whose `name` is `package-N`
 * or `package-N-die-D`, summed over packages). Sub-domains (`core`,
 * `uncore`, `dram`) and `psys` are never added: domains nest, so summing
 * them would count the same joules twice. Each counter (`energy_uj`,
 * microjoules) wraps at `max_energy_range_uj`; a decrease between two reads
 * is taken as one wrap, which holds while reads come faster than one wrap
 * period (minutes at hundreds of watts).
 *
 * @param options - `root`: the filesystem root holding `sys/` (default `/`)
 * @returns the source, id `rapl:<package names>` (e.g. `rapl:package-0`), boundary `package` (the CPU package, not the whole machine)
 * @throws TinyEdgeError `E_NOT_FOUND` when there is no package domain, `E_PERMISSION` (with the fix
 *   in its hint) when `energy_uj` is root-only
 * @example
 * ```ts
 * const rapl = await openRaplPowerSource();
 * const first = await rapl.read(); // { type: 'energy', joules: 0 }
 * ```
 */
export async function openRaplPowerSource(options: { root?: string } = {}): Promise<PowerSource> {
  const base = join(options.root ?? '/', 'sys/class/powercap');
  const packages: RaplPackage[] = [];
  for (const entry of await listDirectory(base)) {
    if (!/^intel-rapl:\d+$/.test(entry)) continue;
    const dir = join(base, entry);
    const name = await readAttribute(join(dir, 'name'), RAPL_PERMISSION_HINT);
    if (name === null || !/^package-\d+(-die-\d+)?$/.test(name)) continue;
    const rangeUj = await readNumber(join(dir, 'max_energy_range_uj'), RAPL_PERMISSION_HINT);
    const last = await readNumber(join(dir, 'energy_uj'), RAPL_PERMISSION_HINT);
    packages.push({ dir, name, rangeUj, last });
  }
  if (packages.length === 0) {
    throw new TinyEdgeError('E_NOT_FOUND', `No RAPL package domain under ${base}.`,
      'RAPL exists on x86 hosts with the intel_rapl_msr (Intel, AMD Zen since Linux 5.11) driver loaded; on ARM boards pick another source.');
  }
  let totalUj = 0;
  return {
    id: `rapl:${packages.map((p) => p.name).join('+')}`, kind: 'measured', boundary: 'package',
    label: `RAPL ${packages.map((p) => p.name).join(' + ')} energy counter (CPU package only, not the whole machine)`,
    read: async (): Promise<PowerReading> => {
      // Read every counter before updating any, so one failing read leaves all bases untouched.
      const now = await Promise.all(packages.map((p) => readNumber(join(p.dir, 'energy_uj'), RAPL_PERMISSION_HINT)));
      packages.forEach((p, i) => {
        const raw = now[i]!;
        totalUj += raw >= p.last ? raw - p.last : raw + p.rangeUj - p.last;
        p.last = raw;
      });
      return { type: 'energy', joules: totalUj / 1e6 };
    },
    close: async () => undefined,
  };
}
