/**
 * Compiles a TFLite model, as our reader sees it, into flat lists of
 * closures over tfjs: one list per subgraph, constants made into tfjs
 * tensors once, operators whose inputs are all constant run once here.
 * Internal to the portable backend.
 */
import { TinyEdgeError } from '../../errors.js';
import type { TfliteModelInfo, TfliteTensor } from '../../tflite/tflite-model-info.js';
import { ConstantPool, bufferKey } from './constant-pool.js';
import type { CompiledSubgraph, Const, OpContext, OpInput, OpPlan, RunnerState, TensorMeta } from './graph-types.js';
import { STORAGE_DTYPES, showShape } from './graph-types.js';
import { PORTABLE_OPERATORS } from './operators.js';
import type { OptionsTable } from './read-operator-options.js';
import type { Info, WasmKernels } from './wasm-kernels.js';

const FORMAT_HINT = 'The model file is damaged or was not written by tinyedge; rebuild the bundle with `tinyedge convert`.';
const UNSUPPORTED_HINT = "Run this model with the native backend (loadModel(x, { backend: 'native' }) on linux x64 or arm64), or rebuild it with `tinyedge convert`, whose graphs use only the operators the portable backend runs.";

/** What the compiler needs from the caller. */
export interface CompileInput {
  k: WasmKernels;
  /** The whole file (constant buffers are read from it while compiling only). */
  bytes: Uint8Array;
  info: TfliteModelInfo;
  options: OptionsTable[][];
  state: RunnerState;
}

/**
 * Compile every subgraph reachable from the main one.
 *
 * @returns the main subgraph, compiled
 * @throws TinyEdgeError `E_MODEL_UNSUPPORTED` naming the first operator or tensor type the portable backend does not run,
 *   `E_MODEL_FORMAT` for a graph whose shapes or types do not add up
 */
export function compileGraph(input: CompileInput): CompiledSubgraph {
  const compiler = new GraphCompiler(input);
  try {
    return compiler.subgraph(0);
  } finally {
    compiler.releaseHostCopies();
  }
}

class GraphCompiler {
  readonly #in: Omit<CompileInput, 'bytes'>;
  readonly #pool: ConstantPool;
  readonly #compiled = new Map<number, CompiledSubgraph>();
  readonly #compiling = new Set<number>();

  /** Keys of constants some FULLY_CONNECTED uses as weights (directly or through a DEQUANTIZE). */
  readonly #weightKeys = new Set<string>();

  constructor(input: CompileInput) {
    const { bytes, ...rest } = input;
    this.#in = rest;
    this.#pool = new ConstantPool(input.k, input.state, bytes);
    const { info } = input;
    for (const sg of info.subgraphs) {
      const producer = new Map<number, number>();
      sg.operators.forEach((op, o) => op.outputs.forEach((t) => producer.set(t, o)));
      for (const op of sg.operators) {
        if (info.operatorCodes[op.opcodeIndex]?.builtinCode !== FULLY_CONNECTED) continue;
        let w = op.inputs[1] ?? -1;
        const from = sg.operators[producer.get(w) ?? -1];
        if (from && info.operatorCodes[from.opcodeIndex]?.builtinCode === DEQUANTIZE) w = from.inputs[0] ?? -1;
        const t = sg.tensors[w];
        if (t !== undefined && t.buffer !== 0) this.#weightKeys.add(bufferKey(t));
      }
    }
  }

  /** Forget the file and host copies of constant values (closures may keep the compiler reachable). */
  releaseHostCopies(): void {
    this.#pool.close();
  }

  subgraph(index: number): CompiledSubgraph {
    const done = this.#compiled.get(index);
    if (done) return done;
    const sg = this.#in.info.subgraphs[index];
    if (sg === undefined) formatError(`a subgraph ${index}, but the model has ${this.#in.info.subgraphs.length}`);
    if (this.#compiling.has(index)) formatError(`subgraph ${index} to not call itself, but it does (through IF or CALL_ONCE)`);
    this.#compiling.add(index);
    const { k } = this.#in;
    const n = sg.tensors.length;
    const metas: Array<TensorMeta | undefined> = new Array(n);
    const consts: Array<Const | null> = new Array(n).fill(null);
    const resources = new Map<number, string>();
    const known = new Array<boolean>(n).fill(false);
    const where = (t: number): string => `tensor ${t} ("${sg.tensors[t]!.name}") of subgraph ${index}`;
    const declared = (t: number): TensorMeta => {
      const tensor = sg.tensors[t]!;
      checkTensor(tensor, where(t));
      return { name: tensor.name, dtype: tensor.dtype, shape: [...tensor.shape], quantization: tensor.quantization };
    };
    for (const i of sg.inputs) {
      metas[i] = declared(i);
      if (metas[i]!.dtype === 'resource') unsupported(`${where(i)} is a resource passed into a subgraph`);
      known[i] = true;
    }
    const constantOf = (t: number): Const | null => {
      const tensor = sg.tensors[t]!;
      const buffer = this.#in.info.buffers[tensor.buffer];
      if (tensor.buffer === 0 || buffer === undefined || buffer.byteLength === 0) return null;
      return this.#pool.fromBuffer(tensor, buffer.byteOffset, buffer.byteLength, where(t));
    };
    const base: Array<Info | undefined> = new Array(n);
    const steps: Step[] = [];

    sg.operators.forEach((op, o) => {
      const code = this.#in.info.operatorCodes[op.opcodeIndex]!;
      const name = code.name;
      const opWhere = `operator ${o} (${name}) of subgraph ${index}`;
      const compile = code.customCode === '' ? PORTABLE_OPERATORS[code.builtinCode] : undefined;
      if (compile === undefined) {
        unsupported(`the portable backend does not run the operator ${name} (${opWhere})`);
      }
      const inputs = op.inputs.map((t): OpInput | null => {
        if (t < 0) return null;
        if (!known[t]) {
          const c = constantOf(t);
          if (c === null) formatError(`${where(t)} to be written before ${opWhere} reads it, but nothing writes it first`);
          metas[t] = declared(t);
          consts[t] = c;
          known[t] = true;
        }
        return { index: t, meta: metas[t]!, constant: consts[t] ?? null };
      });
      const outputs = op.outputs.map((t) => declared(t));
      const table = this.#in.options[index]?.[o];
      const ctx: OpContext = {
        k,
        name,
        where: opWhere,
        inputs,
        outputs,
        outputIndices: op.outputs,
        state: this.#in.state,
        options: (type) => {
          if (table === undefined) formatError(`the options of ${opWhere}`);
          if (table.type !== 0 && table.type !== type) formatError(`options of type ${type} for ${opWhere}, found type ${table.type}`);
          return table;
        },
        input: (i) => inputs[i] ?? formatError(`${opWhere} to have input ${i}`),
        constValues: (i, what) => {
          const c = ctx.input(i).constant;
          if (c === null) unsupported(`${opWhere} takes its ${what} from a tensor computed at run time; the portable backend needs it constant`);
          return Array.from(c.values(), Number);
        },
        prefersTransposed: (c) => this.#weightKeys.has(c.key),
        hold: (t) => {
          this.#in.state.held.push(t);
          return t;
        },
        constant: (key, shape, values) => this.#pool.computed(key, shape, values),
        subgraph: (s) => this.subgraph(s),
        resourceOf: (i) => resources.get(ctx.input(i).index) ?? unsupported(`${opWhere} reads a resource handle that no VAR_HANDLE in subgraph ${index} made`),
        defineResource: (t, key) => void resources.set(t, key),
        unsupported: (what) => unsupported(`${opWhere}: ${what}`),
        invalid: (what) => formatError(`${what} (${opWhere})`),
      };
      const plan = compile(ctx);
      this.#checkOutputs(plan, outputs, opWhere);
      op.outputs.forEach((t, i) => {
        metas[t] = { ...outputs[i]!, shape: plan.outputs[i]!.shape };
        known[t] = true;
      });
      if (plan.constants) {
        op.outputs.forEach((t, i) => (consts[t] = plan.constants![i]!));
        return;
      }
      // Resource handles are resolved here; nothing to run.
      if (op.outputs.length > 0 && plan.outputs.every((p) => p.dtype === 'resource')) return;
      const allConstant = inputs.every((x) => x === null || x.constant !== null);
      if (plan.pure !== false && allConstant && op.outputs.length > 0 && plan.outputs.every((p) => p.dtype !== 'resource')) {
        // Evaluated once here, as TFLite does for DEQUANTIZE of a constant at its first invoke.
        const values = plan.run(inputs.map((x) => x?.constant?.tensor())).map((v) => k.hold(v));
        k.flush();
        op.outputs.forEach((t, i) => (consts[t] = this.#pool.folded(values[i]!, `${index}:${t}`)));
        return;
      }
      const skip = new Set(plan.skipInputs ?? []);
      inputs.forEach((x, i) => {
        if (x?.constant && !skip.has(i)) base[x.index] ??= x.constant.tensor();
      });
      steps.push(makeStep(plan, op.inputs, op.outputs));
    });

    const outputs = sg.outputs.map((t) => {
      if (!known[t]) {
        const c = constantOf(t);
        if (c === null) formatError(`${where(t)}, an output, to be written by an operator, but none writes it`);
        metas[t] = declared(t);
        base[t] ??= c.tensor();
        known[t] = true;
      } else if (consts[t]) {
        base[t] ??= consts[t]!.tensor();
      }
      if (metas[t]!.dtype === 'resource') unsupported(`${where(t)} is a resource returned from a subgraph`);
      return metas[t]!;
    });
    const inputIndices = [...sg.inputs];
    const outputIndices = [...sg.outputs];
    const compiled: CompiledSubgraph = {
      index,
      inputs: sg.inputs.map((t) => metas[t]!),
      outputs,
      call(values) {
        const regs = base.slice();
        for (let i = 0; i < inputIndices.length; i++) regs[inputIndices[i]!] = values[i];
        for (const step of steps) step(regs);
        return outputIndices.map((t) => regs[t]!);
      },
    };
    this.#compiling.delete(index);
    this.#compiled.set(index, compiled);
    return compiled;
  }

  #checkOutputs(plan: OpPlan, outputs: readonly TensorMeta[], where: string): void {
    if (plan.outputs.length !== outputs.length) formatError(`${plan.outputs.length} output(s) of ${where}, found ${outputs.length}`);
    plan.outputs.forEach((p, i) => {
      const d = outputs[i]!;
      if (p.dtype !== d.dtype) formatError(`output ${i} ("${d.name}") of ${where} to be ${p.dtype}, found ${d.dtype}`);
      const same = p.shape.length === d.shape.length && p.shape.every((v, j) => v === d.shape[j]);
      if (!same && p.dtype !== 'resource') {
        formatError(`output ${i} ("${d.name}") of ${where} to have shape ${showShape(p.shape)}, found ${showShape(d.shape)}`);
      }
    });
  }
}

/** Builtin codes the compiler itself looks for. */
const FULLY_CONNECTED = 9;
const DEQUANTIZE = 6;

type Step = (regs: Array<Info | undefined>) => void;

function makeStep(plan: OpPlan, ins: readonly number[], outs: readonly number[]): Step {
  const n = ins.length;
  // One argument array per operator, reused: steps run one at a time and a subgraph never calls itself.
  const xs = new Array<Info | undefined>(n);
  const run = plan.run;
  return (regs) => {
    for (let j = 0; j < n; j++) {
      const i = ins[j]!;
      xs[j] = i < 0 ? undefined : regs[i];
    }
    const ys = run(xs);
    for (let j = 0; j < outs.length; j++) regs[outs[j]!] = ys[j];
  };
}

function checkTensor(t: TfliteTensor, where: string): void {
  if (t.sparse) unsupported(`${where} is stored sparse`);
  if (t.isVariable) unsupported(`${where} is a variable tensor (is_variable); tinyedge graphs keep state in resource variables`);
  if (t.dtype !== 'resource' && STORAGE_DTYPES[t.dtype] === undefined) unsupported(`${where} has element type ${t.dtype}`);
  if (t.shape.some((d) => !Number.isInteger(d) || d < 0)) unsupported(`${where} has a dynamic shape ${showShape(t.shape)}`);
}

function unsupported(message: string): never {
  throw new TinyEdgeError('E_MODEL_UNSUPPORTED', message, UNSUPPORTED_HINT);
}

function formatError(expected: string): never {
  throw new TinyEdgeError('E_MODEL_FORMAT', `the portable backend expected ${expected}`, FORMAT_HINT);
}

