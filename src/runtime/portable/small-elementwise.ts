/**
 * Element-wise arithmetic on small tensors in JavaScript, straight on the
 * WebAssembly heap. A tiny model's step is hundreds of operations on vectors
 * of a few hundred values; for those a kernel call's fixed cost (argument
 * marshalling, shape checks, broadcasting set-up: about 3 µs) is several
 * times the arithmetic, while a plain loop over heap views costs well under
 * a microsecond. Shapes are static, so how each input broadcasts is worked
 * out once, when the graph is compiled. Large tensors still go to the
 * kernels (SIMD). Internal to the portable backend.
 */
import { sizeOf } from './graph-types.js';
import type { HostValues, Info, WasmKernels } from './wasm-kernels.js';

/** Outputs up to this many elements are computed here rather than by a kernel. */
export const SMALL_ELEMENTWISE_LIMIT = 8192;

/**
 * How both inputs of a binary operation broadcast to its output, worked out
 * once: each input either repeats with a period (`i % period`: the same
 * shape, a scalar, or the output's trailing axes) or, for any other
 * broadcast, is read through an index map.
 */
export interface BroadcastPlan {
  readonly size: number;
  readonly periodA: number;
  readonly periodB: number;
  /** Index maps, when either input needs one (then both have one). */
  readonly mapA: Int32Array | null;
  readonly mapB: Int32Array | null;
}

/** The period of an input that repeats along the output, or 0 when it needs an index map. */
function period(shape: readonly number[], out: readonly number[]): number {
  const size = sizeOf(shape);
  if (size === sizeOf(out) || size === 1) return size;
  const padded = [...new Array<number>(out.length - shape.length).fill(1), ...shape];
  let lead = 0;
  while (lead < padded.length && padded[lead] === 1 && out[lead] !== 1) lead++;
  return padded.slice(lead).every((d, i) => d === out[lead + i]) ? size : 0;
}

function indexMap(shape: readonly number[], out: readonly number[]): Int32Array {
  const n = sizeOf(out);
  const padded = [...new Array<number>(out.length - shape.length).fill(1), ...shape];
  const strides = padded.map((_, i) => sizeOf(padded.slice(i + 1)));
  const map = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let rest = i;
    let at = 0;
    for (let d = out.length - 1; d >= 0; d--) {
      const dim = out[d]!;
      const coord = rest % dim;
      rest = (rest - coord) / dim;
      if (padded[d] !== 1) at += coord * strides[d]!;
    }
    map[i] = at;
  }
  return map;
}

/** The broadcast plan of inputs of shapes `a` and `b` into an output of shape `out`. */
export function broadcastPlan(a: readonly number[], b: readonly number[], out: readonly number[]): BroadcastPlan {
  const periodA = period(a, out);
  const periodB = period(b, out);
  const mapped = periodA === 0 || periodB === 0;
  return { size: sizeOf(out), periodA, periodB, mapA: mapped ? indexMap(a, out) : null, mapB: mapped ? indexMap(b, out) : null };
}

/** Binary operations computed here. */
export type SmallBinary = 'add' | 'sub' | 'mul' | 'less' | 'greater';

type Loop = (out: HostValues, a: HostValues, b: HostValues, p: BroadcastPlan) => void;

// One pair of loops per operation, written out so that V8 compiles each to
// plain arithmetic (a shared loop calling an operator function per element
// would be several times slower).
const LOOPS: Readonly<Record<SmallBinary, { periodic: Loop; mapped: Loop }>> = {
  add: {
    periodic: (out, a, b, p) => {
      for (let i = 0, ja = 0, jb = 0; i < p.size; i++) {
        out[i] = a[ja]! + b[jb]!;
        if (++ja === p.periodA) ja = 0;
        if (++jb === p.periodB) jb = 0;
      }
    },
    mapped: (out, a, b, p) => {
      const ma = p.mapA!;
      const mb = p.mapB!;
      for (let i = 0; i < p.size; i++) out[i] = a[ma[i]!]! + b[mb[i]!]!;
    },
  },
  sub: {
    periodic: (out, a, b, p) => {
      for (let i = 0, ja = 0, jb = 0; i < p.size; i++) {
        out[i] = a[ja]! - b[jb]!;
        if (++ja === p.periodA) ja = 0;
        if (++jb === p.periodB) jb = 0;
      }
    },
    mapped: (out, a, b, p) => {
      const ma = p.mapA!;
      const mb = p.mapB!;
      for (let i = 0; i < p.size; i++) out[i] = a[ma[i]!]! - b[mb[i]!]!;
    },
  },
  mul: {
    periodic: (out, a, b, p) => {
      for (let i = 0, ja = 0, jb = 0; i < p.size; i++) {
        out[i] = a[ja]! * b[jb]!;
        if (++ja === p.periodA) ja = 0;
        if (++jb === p.periodB) jb = 0;
      }
    },
    mapped: (out, a, b, p) => {
      const ma = p.mapA!;
      const mb = p.mapB!;
      for (let i = 0; i < p.size; i++) out[i] = a[ma[i]!]! * b[mb[i]!]!;
    },
  },
  less: {
    periodic: (out, a, b, p) => {
      for (let i = 0, ja = 0, jb = 0; i < p.size; i++) {
        out[i] = a[ja]! < b[jb]! ? 1 : 0;
        if (++ja === p.periodA) ja = 0;
        if (++jb === p.periodB) jb = 0;
      }
    },
    mapped: (out, a, b, p) => {
      const ma = p.mapA!;
      const mb = p.mapB!;
      for (let i = 0; i < p.size; i++) out[i] = a[ma[i]!]! < b[mb[i]!]! ? 1 : 0;
    },
  },
  greater: {
    periodic: (out, a, b, p) => {
      for (let i = 0, ja = 0, jb = 0; i < p.size; i++) {
        out[i] = a[ja]! > b[jb]! ? 1 : 0;
        if (++ja === p.periodA) ja = 0;
        if (++jb === p.periodB) jb = 0;
      }
    },
    mapped: (out, a, b, p) => {
      const ma = p.mapA!;
      const mb = p.mapB!;
      for (let i = 0; i < p.size; i++) out[i] = a[ma[i]!]! > b[mb[i]!]! ? 1 : 0;
    },
  },
};

/** Binary operation `op` of `x` and `y` into a new tensor of `shape` and `dtype`, here in JavaScript. */
export function smallBinary(k: WasmKernels, op: SmallBinary, plan: BroadcastPlan, shape: number[], dtype: 'float32' | 'int32' | 'bool'): (x: Info, y: Info) => Info {
  const loop = plan.mapA === null ? LOOPS[op].periodic : LOOPS[op].mapped;
  return (x, y) => {
    const out = k.output(shape, dtype);
    loop(k.view(out), k.view(x), k.view(y), plan);
    return out;
  };
}

/** Unary float operations computed here, with float32 rounding of every result. */
export type SmallUnary = 'sigmoid' | 'rsqrt' | 'sin' | 'cos' | 'square';

const UNARY: Readonly<Record<SmallUnary, (x: Float32Array, out: Float32Array) => void>> = {
  sigmoid: (x, out) => {
    for (let i = 0; i < x.length; i++) out[i] = 1 / (1 + Math.exp(-x[i]!));
  },
  rsqrt: (x, out) => {
    for (let i = 0; i < x.length; i++) out[i] = 1 / Math.sqrt(x[i]!);
  },
  sin: (x, out) => {
    for (let i = 0; i < x.length; i++) out[i] = Math.sin(x[i]!);
  },
  cos: (x, out) => {
    for (let i = 0; i < x.length; i++) out[i] = Math.cos(x[i]!);
  },
  square: (x, out) => {
    for (let i = 0; i < x.length; i++) out[i] = x[i]! * x[i]!;
  },
};

/** Unary operation `op` of float32 `x` into a new tensor, here in JavaScript. */
export function smallUnary(k: WasmKernels, op: SmallUnary): (x: Info) => Info {
  const f = UNARY[op];
  return (x) => {
    const out = k.output(x.shape, 'float32');
    f(k.view(x) as Float32Array, k.view(out) as Float32Array);
    return out;
  };
}
