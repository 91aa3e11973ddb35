// The checks that judge this Node.js and CPU: version, architecture, SIMD
// features, and the native library probe's outcome. Internal to runPreflight.
import type { NativeProbeResult } from './probe-native-backend.js';
import type { PreflightFinding } from './preflight-types.js';
import type { CpuArchitecture } from './read-cpu-architecture.js';

const MIN_NODE_MAJOR = 20;
const NATIVE_PLATFORMS = 'linux arm64 and x64 (plus macOS arm64 and Windows x64)';

/** Node.js 20 or newer. */
export function checkNodeVersion(version: string): PreflightFinding {
  const major = Number(/^v?(\d+)/.exec(version)?.[1] ?? NaN);
  if (Number.isFinite(major) && major >= MIN_NODE_MAJOR) return { id: 'node.version', status: 'ok', message: `Node.js ${version}`, hint: '' };
  return {
    id: 'node.version', status: 'fail',
    message: `Node.js ${version}; tinyedge needs ${MIN_NODE_MAJOR} or newer`,
    hint: `Install Node.js ${MIN_NODE_MAJOR} LTS or newer (your distribution's nodejs package may be older: use NodeSource or nvm).`,
  };
}

const SIXTY_FOUR_BIT_OS_HINT = 'Install the 64-bit OS (e.g. Raspberry Pi OS 64-bit) and a 64-bit Node.js: tinyedge\'s native TFLite library exists '
  + `for ${NATIVE_PLATFORMS} only, and 64-bit NEON kernels are faster.`;

/** `process.arch` against the kernel and the CPU. */
export function checkArchitecture(cpu: CpuArchitecture): PreflightFinding {
  const kernel = cpu.kernel ?? 'unknown';
  const core = cpu.cpuModel === null ? '' : `, ${cpu.cpuModel}`;
  const id = 'cpu.arch';
  if (cpu.userland === 'arm') {
    if (kernel === 'aarch64' || kernel === 'arm64') {
      return { id, status: 'warn', message: `32-bit userland (Node.js for arm) on a 64-bit kernel (${kernel}${core})`, hint: SIXTY_FOUR_BIT_OS_HINT };
    }
    if (cpu.cpuIsa === 'armv8') {
      return { id, status: 'warn', message: `32-bit OS (kernel ${kernel}) on a 64-bit capable CPU (ARMv8${core})`, hint: SIXTY_FOUR_BIT_OS_HINT };
    }
    return {
      id, status: 'warn',
      message: `32-bit ARM CPU (${cpu.cpuIsa}${core}, kernel ${kernel})`,
      hint: `The native TFLite library exists for ${NATIVE_PLATFORMS} only; on this board models need the portable (WebAssembly) backend.`,
    };
  }
  if (cpu.userland === 'arm64' && (kernel === 'aarch64' || kernel === 'arm64' || kernel === 'unknown')) {
    return { id, status: 'ok', message: `arm64 (kernel ${kernel}${core})`, hint: '' };
  }
  if (cpu.userland === 'x64' && (kernel === 'x86_64' || kernel === 'unknown')) {
    return { id, status: 'ok', message: `x64 (kernel ${kernel}${core})`, hint: '' };
  }
  if (cpu.userland === 'x64' || cpu.userland === 'arm64') {
    return {
      id, status: 'warn',
      message: `Node.js for ${cpu.userland} on kernel ${kernel}: probably running under emulation`,
      hint: `Install the Node.js build for this machine's own architecture (${kernel}); emulated native code is slow.`,
    };
  }
  return {
    id, status: 'fail',
    message: `unsupported architecture ${cpu.userland} (kernel ${kernel})`,
    hint: 'tinyedge runs on Linux on arm64, x64 and (without the native backend) 32-bit arm.',
  };
}

/** NEON / dot product on Arm, AVX2 / AVX-512 on x86. */
export function checkFeatures(cpu: CpuArchitecture): PreflightFinding {
  const id = 'cpu.features';
  if (cpu.features.length === 0) {
    return { id, status: 'warn', message: 'no CPU feature flags (could not read /proc/cpuinfo)', hint: 'Check that procfs is mounted (or that --root points at a tree with proc/cpuinfo).' };
  }
  if (cpu.cpuIsa === 'x86_64' || (cpu.cpuIsa === 'unknown' && cpu.userland === 'x64')) {
    const have = [cpu.simd.avx2 ? 'AVX2' : null, cpu.simd.avx512 ? 'AVX-512' : null].filter((s) => s !== null);
    if (cpu.simd.avx2) return { id, status: 'ok', message: `x86 SIMD: ${have.join(', ')}`, hint: '' };
    return {
      id, status: 'warn', message: 'no AVX2: TFLite falls back to SSE kernels',
      hint: 'Expect several times slower inference than on an AVX2 CPU; int8 bundles and fewer threads help. In a VM, pass the host CPU model through (e.g. -cpu host).',
    };
  }
  if (!cpu.simd.neon) {
    return {
      id, status: 'warn', message: 'no NEON (Advanced SIMD) in the CPU flags',
      hint: 'TFLite\'s optimised ARM kernels need NEON; without it inference is very slow or the native library may not run at all.',
    };
  }
  const neon = cpu.features.includes('asimd') ? 'NEON (asimd)' : 'NEON';
  if (cpu.simd.dotProduct) return { id, status: 'ok', message: `${neon}, dot product (asimddp)`, hint: '' };
  return {
    id, status: 'ok', message: `${neon}; no dot-product instructions (asimddp needs ARMv8.2, e.g. Cortex-A76/A55)`,
    hint: 'Nothing to fix: int8 matrix kernels use plain NEON here, so int8 gains less than on a Pi 5.',
  };
}

/** The native probe's outcome as a finding. */
export function nativeFinding(probe: NativeProbeResult, cpu: CpuArchitecture): PreflightFinding {
  const id = 'native.tflite';
  if (probe.ok) return { id, status: 'ok', message: `the native TFLite library loads and runs a test model (${probe.elapsedMs} ms)`, hint: '' };
  const wrongPlatform = cpu.userland !== 'x64' && cpu.userland !== 'arm64';
  switch (probe.outcome) {
    case 'illegal-instruction':
      return {
        id, status: 'fail', message: `the native TFLite library crashed with "Illegal instruction": ${probe.detail}`,
        hint: 'The library was built for a newer CPU than this one (instructions it lacks). Use a tfjs-tflite-node build for this CPU; '
          + 'otherwise models need the portable (WebAssembly) backend here.',
      };
    case 'not-installed':
    case 'load-failed':
      return {
        id, status: 'fail', message: `the native TFLite library does not load: ${probe.detail}`,
        hint: wrongPlatform
          ? `tfjs-tflite-node ships libtensorflowlite_c for ${NATIVE_PLATFORMS} only, not ${process.platform}-${cpu.userland}. ${SIXTY_FOUR_BIT_OS_HINT}`
          : 'Reinstall on this machine (npm ci) so the addon matches this platform and Node.js; on arm64 its binding is compiled at install '
            + '(python3, make, g++; with npm 11 first `npm install-scripts approve tfjs-tflite-node`).',
      };
    case 'timeout':
      return { id, status: 'fail', message: `the native TFLite probe did not finish: ${probe.detail}`, hint: 'The machine may be overloaded or swapping; close other programs and run doctor again.' };
    default:
      return { id, status: 'fail', message: `the native TFLite probe failed (${probe.outcome}): ${probe.detail}`, hint: 'Run with TINYEDGE_DEBUG=1 and report the output; reinstalling (npm ci) may help.' };
  }
}
