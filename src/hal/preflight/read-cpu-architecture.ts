import { readFile } from 'node:fs/promises';
import { machine } from 'node:os';
import { join, resolve } from 'node:path';

/** The CPU and its instruction set as the kernel reports them, next to the architecture Node was built for. */
export interface CpuArchitecture {
  /** The architecture this Node.js binary was built for (`process.arch`): `arm64`, `arm`, `x64`, ... */
  userland: string;
  /** The kernel's machine name (`uname -m`): `aarch64`, `armv7l`, `x86_64`, ...; null when unknown. */
  kernel: string | null;
  /** Where {@link CpuArchitecture.kernel} came from. */
  kernelFrom: 'proc/sys/kernel/arch' | 'proc/cpuinfo' | 'uname' | 'unknown';
  /** The CPU's own ISA: `armv8` for any 64-bit-capable Arm core (even under a 32-bit kernel), `armv7`, `armv6`, `x86_64`, or `unknown`. */
  cpuIsa: 'armv8' | 'armv7' | 'armv6' | 'x86_64' | 'unknown';
  /** The core name when known, e.g. `Cortex-A72` (from the Arm part number) or the x86 `model name`. */
  cpuModel: string | null;
  /** Processors listed in `/proc/cpuinfo` (0 when it could not be read). */
  cores: number;
  /** Feature flags of the first processor (`Features` on Arm, `flags` on x86), lower case. */
  features: string[];
  /** The SIMD extensions that matter to TFLite's kernels. */
  simd: {
    /** Arm Advanced SIMD: `asimd` (AArch64) or `neon` (AArch32). */
    neon: boolean;
    /** Arm dot-product instructions (`asimddp`, ARMv8.2+, e.g. Cortex-A76 / A55). */
    dotProduct: boolean;
    /** x86 AVX2. */
    avx2: boolean;
    /** x86 AVX-512 Foundation. */
    avx512: boolean;
  };
}

/** Options of {@link readCpuArchitecture}. */
export interface ReadCpuArchitectureOptions {
  /** Root directory holding `proc/`. Default `/`. */
  root?: string;
  /**
   * The userland architecture to report. Default `process.arch` for the real
   * root; for another root, the kernel's own architecture as the tree shows it
   * (`arm64`, `arm` or `x64`). Pass `arm` to model a 32-bit Node on a 64-bit kernel.
   */
  arch?: string;
}

// Arm "CPU part" numbers (MIDR, implementer 0x41) of cores found on the
// boards tinyedge supports. All but the A5/A7/A8/A9/A15/A17 and ARM11 are ARMv8+.
const ARM_PARTS: Record<string, { name: string; isa: 'armv8' | 'armv7' | 'armv6' }> = {
  '0xb76': { name: 'ARM1176', isa: 'armv6' },
  '0xc05': { name: 'Cortex-A5', isa: 'armv7' },
  '0xc07': { name: 'Cortex-A7', isa: 'armv7' },
  '0xc08': { name: 'Cortex-A8', isa: 'armv7' },
  '0xc09': { name: 'Cortex-A9', isa: 'armv7' },
  '0xc0f': { name: 'Cortex-A15', isa: 'armv7' },
  '0xd03': { name: 'Cortex-A53', isa: 'armv8' },
  '0xd04': { name: 'Cortex-A35', isa: 'armv8' },
  '0xd05': { name: 'Cortex-A55', isa: 'armv8' },
  '0xd07': { name: 'Cortex-A57', isa: 'armv8' },
  '0xd08': { name: 'Cortex-A72', isa: 'armv8' },
  '0xd09': { name: 'Cortex-A73', isa: 'armv8' },
  '0xd0a': { name: 'Cortex-A75', isa: 'armv8' },
  '0xd0b': { name: 'Cortex-A76', isa: 'armv8' },
  '0xd0d': { name: 'Cortex-A77', isa: 'armv8' },
  '0xd41': { name: 'Cortex-A78', isa: 'armv8' },
};

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Read the CPU's architecture and SIMD features from `<root>/proc/cpuinfo`
 * and the kernel's machine name from `<root>/proc/sys/kernel/arch` (or, when
 * that file is missing, from `/proc/cpuinfo`'s `CPU architecture`, and only
 * for the real root, `uname`). Comparing the kernel with `process.arch`
 * tells a 32-bit userland on a 64-bit kernel (Raspberry Pi OS 32-bit on a
 * Pi 4 or 5) apart from a genuinely 32-bit board. Missing files give
 * `unknown`/null fields, never an error.
 *
 * An arm64 kernel prints `CPU architecture: 8` to every reader, and AArch32
 * feature names (`neon`, `vfpv4`) instead of AArch64 ones (`asimd`) only to
 * processes with the `linux32` personality; both spellings are understood.
 *
 * @param options - root directory and userland architecture; see {@link ReadCpuArchitectureOptions}
 * @returns what was found
 * @example
 * ```ts
 * const cpu = await readCpuArchitecture();
 * if (cpu.userland === 'arm' && cpu.kernel === 'aarch64') console.warn('32-bit Node on a 64-bit OS kernel');
 * ```
 */
export async function readCpuArchitecture(options: ReadCpuArchitectureOptions = {}): Promise<CpuArchitecture> {
  const root = options.root ?? '/';
  const cpuinfo = (await readText(join(root, 'proc/cpuinfo'))) ?? '';
  const blocks = cpuinfo.split(/\n\s*\n/).map(parseBlock).filter((b) => b.size > 0);
  const processors = blocks.filter((b) => b.has('processor'));
  const first = processors[0] ?? blocks[0] ?? new Map<string, string>();
  const features = (first.get('features') ?? first.get('flags') ?? '').toLowerCase().split(/\s+/).filter((f) => f !== '');
  const has = (f: string): boolean => features.includes(f);

  const armArchitecture = first.get('cpu architecture');
  const part = first.get('cpu part')?.toLowerCase();
  const implementer = first.get('cpu implementer')?.toLowerCase();
  const known = implementer === '0x41' && part !== undefined ? ARM_PARTS[part] : undefined;
  const isX86 = first.has('vendor_id') || has('sse2');

  let cpuIsa: CpuArchitecture['cpuIsa'] = 'unknown';
  if (isX86) cpuIsa = 'x86_64';
  else if (known) cpuIsa = known.isa;
  else if (armArchitecture === '8' || has('asimd')) cpuIsa = 'armv8';
  else if (armArchitecture === '7') cpuIsa = 'armv7';
  else if (armArchitecture !== undefined && /^[56]/.test(armArchitecture)) cpuIsa = 'armv6';

  let kernel: string | null = null;
  let kernelFrom: CpuArchitecture['kernelFrom'] = 'unknown';
  const archFile = (await readText(join(root, 'proc/sys/kernel/arch')))?.trim();
  if (archFile) {
    kernel = archFile;
    kernelFrom = 'proc/sys/kernel/arch';
  } else if (armArchitecture === '8') {
    // Only an arm64 kernel says 8; a 32-bit kernel on an ARMv8 core says 7.
    kernel = 'aarch64';
    kernelFrom = 'proc/cpuinfo';
  } else if (armArchitecture === '7') {
    kernel = 'armv7l';
    kernelFrom = 'proc/cpuinfo';
  } else if (isX86 && has('lm')) {
    kernel = 'x86_64';
    kernelFrom = 'proc/cpuinfo';
  } else if (root === '/') {
    kernel = machine();
    kernelFrom = 'uname';
  }

  const userland = options.arch ?? (resolve(root) === '/' ? process.arch : nativeUserland(kernel, cpuIsa) ?? process.arch);
  return {
    userland,
    kernel,
    kernelFrom,
    cpuIsa,
    cpuModel: known?.name ?? first.get('model name') ?? null,
    cores: processors.length,
    features,
    simd: {
      neon: has('asimd') || has('neon'),
      dotProduct: has('asimddp'),
      avx2: has('avx2'),
      avx512: has('avx512f'),
    },
  };
}

function parseBlock(block: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of block.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    if (key !== '' && !fields.has(key)) fields.set(key, line.slice(colon + 1).trim());
  }
  return fields;
}

/** The Node.js architecture name matching a kernel (for trees that are not this machine). */
function nativeUserland(kernel: string | null, cpuIsa: CpuArchitecture['cpuIsa']): string | null {
  if (kernel === 'aarch64' || kernel === 'arm64') return 'arm64';
  if (kernel === 'x86_64' || cpuIsa === 'x86_64') return 'x64';
  if (kernel !== null && /^arm/.test(kernel)) return 'arm';
  if (cpuIsa === 'armv7' || cpuIsa === 'armv6') return 'arm';
  return null;
}
