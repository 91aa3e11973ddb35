import { Builder } from 'flatbuffers';
import {
  BuiltinOperator,
  BuiltinOptions,
  Slots,
  TENSOR_TYPE_NAMES,
  TFLITE_FILE_IDENTIFIER,
  TFLITE_SCHEMA_VERSION,
  TensorType,
  type TensorTypeValue,
} from './schema.js';
import { writeBuiltinOptions, type OperatorOptions } from './operator-options.js';

/** Constant buffers up to this size are stored once per distinct content. */
const SMALL_BUFFER_BYTES = 4096;

/** Element types the graph builder accepts, by name. */
export type DType = 'float32' | 'int32' | 'int8' | 'uint8' | 'int16' | 'bool' | 'int64' | 'resource';

const DTYPE_CODES: Record<DType, TensorTypeValue> = {
  float32: TensorType.FLOAT32,
  int32: TensorType.INT32,
  int8: TensorType.INT8,
  uint8: TensorType.UINT8,
  int16: TensorType.INT16,
  bool: TensorType.BOOL,
  int64: TensorType.INT64,
  resource: TensorType.RESOURCE,
};

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

interface TensorEntry extends TensorRef {
  buffer: number;
  quantization?: Quantization;
}

interface SubgraphEntry {
  name: string;
  tensors: TensorEntry[];
  operators: OperatorEntry[];
  inputs: number[];
  outputs: number[];
  names: Set<string>;
  constants: Map<string, TensorEntry>;
}

interface OperatorEntry {
  opcodeIndex: number;
  inputs: number[];
  outputs: number[];
  options: OperatorOptions | undefined;
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
    const dataBytes = this.buffers.reduce((n, b) => n + b.byteLength + 16, 0);
    const meta = this.subgraphs.reduce((n, sg) => n + sg.tensors.length * 256 + sg.operators.length * 64, 4096);
    const fb = new Builder(dataBytes + meta);

    // Children first: flatbuffers are built back to front.
    const bufferOffsets = this.buffers.map((data) => {
      const dataOffset = data.byteLength > 0 ? alignedBytes(fb, data, 16) : 0;
      fb.startObject(3);
      if (dataOffset) fb.addFieldOffset(Slots.Buffer.data, dataOffset, 0);
      return fb.endObject();
    });
    const subgraphOffsets = this.subgraphs.map((sg) => writeSubgraph(fb, sg));
    const opcodeOffsets = [...this.opcodes.keys()].map((code) => {
      fb.startObject(4);
      // Codes above 127 only fit the newer int32 field; the byte field then holds the placeholder.
      fb.addFieldInt8(Slots.OperatorCode.deprecatedBuiltinCode, Math.min(code, BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES), 0);
      fb.addFieldInt32(Slots.OperatorCode.version, 1, 1);
      fb.addFieldInt32(Slots.OperatorCode.builtinCode, code, 0);
      return fb.endObject();
    });
    const description = fb.createString(this.description);
    const opcodesVec = offsetVector(fb, opcodeOffsets);
    const subgraphsVec = offsetVector(fb, subgraphOffsets);
    const buffersVec = offsetVector(fb, bufferOffsets);
    fb.startObject(8);
    fb.addFieldInt32(Slots.Model.version, TFLITE_SCHEMA_VERSION, 0);
    fb.addFieldOffset(Slots.Model.operatorCodes, opcodesVec, 0);
    fb.addFieldOffset(Slots.Model.subgraphs, subgraphsVec, 0);
    fb.addFieldOffset(Slots.Model.description, description, 0);
    fb.addFieldOffset(Slots.Model.buffers, buffersVec, 0);
    const model = fb.endObject();
    fb.finish(model, TFLITE_FILE_IDENTIFIER);
    return fb.asUint8Array();
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

function writeSubgraph(fb: Builder, sg: SubgraphEntry): number {
  const tensorOffsets = sg.tensors.map((t) => writeTensor(fb, t));
  const operatorOffsets = sg.operators.map((o) => {
    const inputs = int32Vector(fb, o.inputs);
    const outputs = int32Vector(fb, o.outputs);
    const opts = o.options ? writeBuiltinOptions(fb, o.options) : undefined;
    fb.startObject(9);
    fb.addFieldInt32(Slots.Operator.opcodeIndex, o.opcodeIndex, 0);
    fb.addFieldOffset(Slots.Operator.inputs, inputs, 0);
    fb.addFieldOffset(Slots.Operator.outputs, outputs, 0);
    if (opts) {
      fb.addFieldInt8(Slots.Operator.builtinOptionsType, BuiltinOptions[opts.type], 0);
      fb.addFieldOffset(Slots.Operator.builtinOptions, opts.offset, 0);
    }
    return fb.endObject();
  });
  const name = fb.createString(sg.name);
  const tensorsVec = offsetVector(fb, tensorOffsets);
  const inputsVec = int32Vector(fb, sg.inputs);
  const outputsVec = int32Vector(fb, sg.outputs);
  const operatorsVec = offsetVector(fb, operatorOffsets);
  fb.startObject(5);
  fb.addFieldOffset(Slots.SubGraph.tensors, tensorsVec, 0);
  fb.addFieldOffset(Slots.SubGraph.inputs, inputsVec, 0);
  fb.addFieldOffset(Slots.SubGraph.outputs, outputsVec, 0);
  fb.addFieldOffset(Slots.SubGraph.operators, operatorsVec, 0);
  fb.addFieldOffset(Slots.SubGraph.name, name, 0);
  return fb.endObject();
}

function bytesPer(dtype: DType): number {
  return dtype === 'float32' || dtype === 'int32' ? 4 : dtype === 'int16' ? 2 : dtype === 'int64' ? 8 : 1;
}

function alignedBytes(fb: Builder, data: Uint8Array, alignment: number): number {
  fb.startVector(1, data.byteLength, alignment);
  // Bulk copy: the builder's per-byte API would take seconds for a 60 MB model.
  const space = (fb as unknown as { space: number }).space - data.byteLength;
  (fb as unknown as { space: number }).space = space;
  fb.dataBuffer().bytes().set(data, space);
  return fb.endVector();
}

function int32Vector(fb: Builder, values: readonly number[]): number {
  fb.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) fb.addInt32(values[i]!);
  return fb.endVector();
}

function int64Vector(fb: Builder, values: ArrayLike<number>): number {
  fb.startVector(8, values.length, 8);
  for (let i = values.length - 1; i >= 0; i--) fb.addInt64(BigInt(values[i]!));
  return fb.endVector();
}

function float32Vector(fb: Builder, values: ArrayLike<number>): number {
  fb.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) fb.addFloat32(values[i]!);
  return fb.endVector();
}

function offsetVector(fb: Builder, offsets: readonly number[]): number {
  fb.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) fb.addOffset(offsets[i]!);
  return fb.endVector();
}

function writeTensor(fb: Builder, t: TensorEntry): number {
  const name = fb.createString(t.name);
  const shape = int32Vector(fb, t.shape);
  let quant = 0;
  if (t.quantization) {
    const q = t.quantization;
    const scale = float32Vector(fb, q.scale);
    const zeroPoint = int64Vector(fb, q.zeroPoint ?? new Array<number>(q.scale.length).fill(0));
    fb.startObject(7);
    fb.addFieldOffset(Slots.QuantizationParameters.scale, scale, 0);
    fb.addFieldOffset(Slots.QuantizationParameters.zeroPoint, zeroPoint, 0);
    fb.addFieldInt32(Slots.QuantizationParameters.quantizedDimension, q.axis ?? 0, 0);
    quant = fb.endObject();
  }
  fb.startObject(9);
  fb.addFieldOffset(Slots.Tensor.shape, shape, 0);
  fb.addFieldInt8(Slots.Tensor.type, DTYPE_CODES[t.dtype], 0);
  fb.addFieldInt32(Slots.Tensor.buffer, t.buffer, 0);
  fb.addFieldOffset(Slots.Tensor.name, name, 0);
  if (quant) fb.addFieldOffset(Slots.Tensor.quantization, quant, 0);
  return fb.endObject();
}

/** The dtype name of a `TensorType` code, for messages. */
export function dtypeName(code: number): string {
  return TENSOR_TYPE_NAMES[code] ?? `type${code}`;
}
