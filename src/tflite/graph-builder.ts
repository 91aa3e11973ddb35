import { BuiltinOperator } from './schema.js';
import type { OperatorOptions } from './operator-options.js';
import { serializeModel, type SubgraphEntry, type TensorEntry } from './serialize-model.js';

/** Constant buffers up to this size are stored once per distinct content. */
const SMALL_BUFFER_BYTES = 4096;

/** Element types the graph builder accepts, by name. */
export type DType = 'float32' | 'int32' | 'int8' | 'uint8' | 'int16' | 'bool' | 'int64' | 'resource';


/**
 * Affine quantization of a tensor: `real = scale * (q - zeroPoint)`. One
 * scale per tensor, or one per slice along `axis` (per-channel).
 */
export interface Quantization {
  /** One scale, or one per channel along `axis`. */
  scale: ArrayLike<number>;
  /** Zero points, same length as `scale`; default all 0 (symmetric). */
  zeroPoint?: ArrayLike<number>;
  /** The channel axis for per-channel scales. Default 0. */
  axis?: number;
}

/** A tensor in the graph under construction. */
export interface TensorRef {
  /** Index of the subgraph the tensor belongs to (0 is the main graph). */
  readonly subgraph: number;
  /** Index in the subgraph's tensor list. */
  readonly index: number;
  /** Tensor name, unique within its subgraph. */
  readonly name: string;
  /** Element type. */
  readonly dtype: DType;
  /** Static shape; `[]` is a scalar. */
  readonly shape: readonly number[];
}

/** Bytes of constant data, as any typed array or a raw byte view. */
export type ConstantData = Float32Array | Int32Array | Int8Array | Uint8Array | Int16Array;

/**
 * Builds a single-subgraph TFLite model: tensors, constant buffers, builtin
 * operators with their options, named inputs and outputs. Shapes are static.
 *
 * @example
 * ```ts
 * const g = new GraphBuilder('add one');
 * const x = g.input('x', 'float32', [1, 4]);
 * const one = g.constant('one', 'float32', [1], new Float32Array([1]));
 * const y = g.tensor('y', 'float32', [1, 4]);
 * g.op('ADD', [x, one], [y]);
 * g.output(y);
 * const bytes = g.finish();
 * ```
 */
export class GraphBuilder {
  private readonly buffers: Uint8Array[] = [new Uint8Array(0)];
  private readonly opcodes = new Map<number, number>();
  private readonly smallBuffers = new Map<string, number>();
  private readonly subgraphs: SubgraphEntry[] = [];
  private current = 0;

  /** @param description - stored in `Model.description` */
  constructor(private readonly description = 'tinyedge') {
    this.addSubgraph('main');
  }

  /**
   * Start another subgraph (e.g. the initializer a `CALL_ONCE` runs) and make
   * it the target of the following calls; returns its index.
   */
  addSubgraph(name: string): number {
    this.subgraphs.push({ name, tensors: [], operators: [], inputs: [], outputs: [], names: new Set(), constants: new Map() });
    this.current = this.subgraphs.length - 1;
    return this.current;
  }

  /** Make subgraph `index` the target of the following calls. */
  useSubgraph(index: number): void {
    if (!this.subgraphs[index]) throw new RangeError(`GraphBuilder: no subgraph ${index}`);
    this.current = index;
  }

  /** Index of the subgraph the following calls add to. */
  get currentSubgraph(): number {
    return this.current;
  }

  private get sg(): SubgraphEntry {
    return this.subgraphs[this.current]!;
  }

  /** A graph input (a tensor the caller fills before each run). */
  input(name: string, dtype: DType, shape: readonly number[]): TensorRef {
    const t = this.add(name, dtype, shape, 0);
    this.sg.inputs.push(t.index);
    return t;
  }

  /** Mark an existing tensor as a graph output, in call order. */
  output(tensor: TensorRef): void {
    this.checkSubgraph(tensor);
    this.sg.outputs.push(tensor.index);
  }

  /** An intermediate tensor, to be produced by an operator. */
  tensor(name: string, dtype: DType, shape: readonly number[], quantization?: Quantization): TensorRef {
    return this.add(name, dtype, shape, 0, quantization);
  }

  /**
   * Store raw constant bytes once and get a buffer index, so that several
   * tensors (e.g. an embedding table used by GATHER and by the classifier)
   * can share one copy of the data.
   */
  buffer(data: ConstantData): number {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    // Small constants (shapes, axes, index ranges) repeat across layers and
    // subgraphs: store each distinct one once.
    const key = bytes.byteLength <= SMALL_BUFFER_BYTES ? Buffer.from(bytes).toString('base64') : null;
    const known = key === null ? undefined : this.smallBuffers.get(key);
    if (known !== undefined) return known;
    this.buffers.push(bytes);
    if (key !== null) this.smallBuffers.set(key, this.buffers.length - 1);
    return this.buffers.length - 1;
  }

  /**
   * A constant tensor whose data lives in buffer `buffer` (see
   * {@link GraphBuilder.buffer}). Asking again for the same buffer, type,
   * shape and quantization in the same subgraph returns the first tensor, so
   * a repeated constant costs one tensor (named by its first use).
   */
  constantFromBuffer(name: string, dtype: DType, shape: readonly number[], buffer: number, quantization?: Quantization): TensorRef {
    const expected = shape.reduce((a, b) => a * b, 1) * bytesPer(dtype);
    const have = this.buffers[buffer]?.byteLength;
    if (have !== expected) {
      throw new RangeError(`constant ${name}: shape [${shape.join(', ')}] ${dtype} needs ${expected} bytes, buffer ${buffer} has ${have}`);
    }
    const key = JSON.stringify([buffer, dtype, shape, quantization ? [Array.from(quantization.scale), Array.from(quantization.zeroPoint ?? []), quantization.axis ?? 0] : null]);
    const known = this.sg.constants.get(key);
    if (known) return known;
    const tensor = this.add(name, dtype, shape, buffer, quantization);
    this.sg.constants.set(key, tensor);
    return tensor;
  }

  /** A constant tensor with its own buffer. */
  constant(name: string, dtype: DType, shape: readonly number[], data: ConstantData, quantization?: Quantization): TensorRef {
    return this.constantFromBuffer(name, dtype, shape, this.buffer(data), quantization);
  }

  /** An int32 constant, a common case for shapes, axes and indices. */
  int32(name: string, values: readonly number[], shape: readonly number[] = [values.length]): TensorRef {
    return this.constant(name, 'int32', shape, Int32Array.from(values));
  }

  /** A float32 constant. */
  float32(name: string, values: ArrayLike<number>, shape: readonly number[] = [values.length]): TensorRef {
    return this.constant(name, 'float32', shape, Float32Array.from(values));
  }

  /**
   * Append a builtin operator. Operators run in the order they are added, so
   * add them in dependency order.
   *
   * @param op - the operator's name in `BuiltinOperator`
   * @param inputs - input tensors; `null` for an omitted optional input
   * @param outputs - output tensors
   * @param options - the operator's builtin options, if it takes any
   */
  op(op: keyof typeof BuiltinOperator, inputs: readonly (TensorRef | null)[], outputs: readonly TensorRef[], options?: OperatorOptions): void {
    const code = BuiltinOperator[op];
    let opcodeIndex = this.opcodes.get(code);
    if (opcodeIndex === undefined) {
      opcodeIndex = this.opcodes.size;
      this.opcodes.set(code, opcodeIndex);
    }
    for (const t of [...inputs, ...outputs]) if (t) this.checkSubgraph(t);
    this.sg.operators.push({
      opcodeIndex,
      inputs: inputs.map((t) => (t === null ? -1 : t.index)),
      outputs: outputs.map((t) => t.index),
      options,
    });
  }

  /** Number of operators added so far, over all subgraphs. */
  get operatorCount(): number {
    return this.subgraphs.reduce((n, sg) => n + sg.operators.length, 0);
  }

  /** Serialize to `.tflite` bytes. */
  finish(): Uint8Array {
    if (this.subgraphs[0]!.outputs.length === 0) throw new RangeError('GraphBuilder.finish: the graph has no outputs');
    return serializeModel({ description: this.description, buffers: this.buffers, subgraphs: this.subgraphs, opcodes: [...this.opcodes.keys()] });
  }

  private checkSubgraph(t: TensorRef): void {
    if (t.subgraph !== this.current) {
      throw new RangeError(`GraphBuilder: tensor "${t.name}" belongs to subgraph ${t.subgraph}, not the current subgraph ${this.current}`);
    }
  }

  private add(name: string, dtype: DType, shape: readonly number[], buffer: number, quantization?: Quantization): TensorEntry {
    const sg = this.sg;
    if (sg.names.has(name)) throw new RangeError(`GraphBuilder: tensor name "${name}" is used twice`);
    if (!shape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new RangeError(`GraphBuilder: tensor "${name}" has a bad shape [${shape.join(', ')}]`);
    }
    sg.names.add(name);
    const entry: TensorEntry = { subgraph: this.current, index: sg.tensors.length, name, dtype, shape: [...shape], buffer, quantization };
    sg.tensors.push(entry);
    return entry;
  }
}

function bytesPer(dtype: DType): number {
  return dtype === 'float32' || dtype === 'int32' ? 4 : dtype === 'int16' ? 2 : dtype === 'int64' ? 8 : 1;
}
