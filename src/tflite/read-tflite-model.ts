import { TinyEdgeError } from '../errors.js';
import { FlatbufferReader } from './flatbuffer-reader.js';
import type { FlatTable } from './flatbuffer-reader.js';
import { Slots, TENSOR_TYPE_NAMES, TFLITE_FILE_IDENTIFIER, builtinOperatorName } from './schema.js';
import type {
  TfliteBuffer, TfliteMetadata, TfliteModelInfo, TfliteOperator, TfliteOperatorCode, TfliteQuantization,
  TfliteSignatureDef, TfliteSignatureTensor, TfliteSubgraph, TfliteTensor,
} from './tflite-model-info.js';

/** `BuiltinOperator.CUSTOM`: the code of operators named by their custom code. */
const CUSTOM_OPERATOR = 32;

const CORRUPT_HINT =
  'The file is truncated or damaged: copy or download it again, or re-export it from the tool that wrote it.';

/**
 * Reads the structure of a TensorFlow Lite model: operator codes, subgraphs
 * with their tensors and operators, buffer sizes, metadata names and
 * signature defs. Weights are not copied; buffers report where their bytes
 * lie. Reads files written by any TFLite converter, not only tinyedge's.
 *
 * Safe on any input: every offset and length is bounds-checked and the work
 * done is bounded by the file size, so a truncated or corrupt file fails fast
 * with an error naming what was expected at which byte offset.
 *
 * @param bytes - the whole `.tflite` file (for models over 2 GB, including the
 *   buffer data appended after the flatbuffer)
 * @returns the model's structure, with every index checked
 * @throws TypeError when `bytes` is not a `Uint8Array`
 * @throws TinyEdgeError `E_MODEL_FORMAT` when the bytes are not a well-formed
 *   TFLite flatbuffer (the hint recognises zip archives, GGUF files and
 *   llama2.c checkpoints)
 *
 * @example
 * ```ts
 * const info = readTfliteModel(await readFile('model.tflite'));
 * console.log(info.operatorCodes.map((c) => c.name));
 * ```
 */
export function readTfliteModel(bytes: Uint8Array): TfliteModelInfo {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('readTfliteModel: bytes must be a Uint8Array');
  checkIdentifier(bytes);
  const r = new FlatbufferReader(bytes, CORRUPT_HINT);
  const model = r.table(r.u32(0, 'the root table offset'), 'Model');
  const S = Slots.Model;
  const buffers = r.tables(model, S.buffers, 'Buffer', (t) => readBuffer(r, t));
  const info: TfliteModelInfo = {
    fileSize: bytes.length,
    version: r.scalar(model, S.version, 'u32', 0),
    description: r.string(model, S.description, 'Model.description'),
    operatorCodes: r.tables(model, S.operatorCodes, 'OperatorCode', (t) => readOperatorCode(r, t)),
    subgraphs: r.tables(model, S.subgraphs, 'SubGraph', (t) => readSubgraph(r, t)),
    buffers,
    metadata: r.tables(model, S.metadata, 'Metadata', (t): TfliteMetadata => ({
      name: r.string(t, Slots.Metadata.name, `${t.what}.name`),
      buffer: r.scalar(t, Slots.Metadata.buffer, 'u32', 0),
    })),
    signatureDefs: r.tables(model, S.signatureDefs, 'SignatureDef', (t) => readSignatureDef(r, t)),
  };
  checkReferences(info, (what, found) => r.fail(what, model.pos, found));
  return info;
}

function readOperatorCode(r: FlatbufferReader, t: FlatTable): TfliteOperatorCode {
  const S = Slots.OperatorCode;
  const deprecated = r.scalar(t, S.deprecatedBuiltinCode, 'i8', 0);
  const extended = r.scalar(t, S.builtinCode, 'i32', 0);
  // schema 3a: old files only have the byte field, new writers put 127 there
  // for codes that no longer fit a byte, so the larger of the two is the code.
  const builtinCode = Math.max(deprecated, extended);
  const customCode = r.string(t, S.customCode, `${t.what}.custom_code`);
  const name = builtinCode === CUSTOM_OPERATOR && customCode !== '' ? customCode : builtinOperatorName(builtinCode);
  return { builtinCode, customCode, version: r.scalar(t, S.version, 'i32', 1), name };
}

function readBuffer(r: FlatbufferReader, t: FlatTable): TfliteBuffer {
  const S = Slots.Buffer;
  const data = r.vector(t, S.data, 1, `${t.what}.data`);
  const offset = r.scalar(t, S.offset, 'u64', 0);
  // schema 3c: offsets 0 and 1 mean "not external" (1 is a placeholder some
  // writers leave while they lay out the file).
  if (offset > 1) {
    const size = r.scalar(t, S.size, 'u64', 0);
    r.check(offset, size, `the ${size} external bytes of ${t.what}`);
    return { byteLength: size, byteOffset: offset, external: true };
  }
  if (data === null || data.length === 0) return { byteLength: 0, byteOffset: 0, external: false };
  return { byteLength: data.length, byteOffset: data.start, external: false };
}

function readSubgraph(r: FlatbufferReader, t: FlatTable): TfliteSubgraph {
  const S = Slots.SubGraph;
  return {
    name: r.string(t, S.name, `${t.what}.name`),
    tensors: r.tables(t, S.tensors, `${t.what} Tensor`, (tt) => readTensor(r, tt)),
    inputs: r.int32s(t, S.inputs, `${t.what}.inputs`),
    outputs: r.int32s(t, S.outputs, `${t.what}.outputs`),
    operators: r.tables(t, S.operators, `${t.what} Operator`, (ot): TfliteOperator => {
      const O = Slots.Operator;
      const custom = r.vector(ot, O.customOptions, 1, `${ot.what}.custom_options`);
      return {
        opcodeIndex: r.scalar(ot, O.opcodeIndex, 'u32', 0),
        inputs: r.int32s(ot, O.inputs, `${ot.what}.inputs`),
        outputs: r.int32s(ot, O.outputs, `${ot.what}.outputs`),
        builtinOptionsType: r.scalar(ot, O.builtinOptionsType, 'u8', 0),
        customOptionsBytes: custom?.length ?? 0,
      };
    }),
  };
}

function readTensor(r: FlatbufferReader, t: FlatTable): TfliteTensor {
  const S = Slots.Tensor;
  const type = r.scalar(t, S.type, 'i8', 0);
  const quant = r.ref(t, S.quantization, `${t.what}.quantization`);
  const signature = r.vector(t, S.shapeSignature, 4, `${t.what}.shape_signature`);
  return {
    name: r.string(t, S.name, `${t.what}.name`),
    shape: r.int32s(t, S.shape, `${t.what}.shape`),
    shapeSignature: signature === null ? null : r.int32s(t, S.shapeSignature, `${t.what}.shape_signature`),
    type,
    dtype: TENSOR_TYPE_NAMES[type] ?? `type${type}`,
    buffer: r.scalar(t, S.buffer, 'u32', 0),
    quantization: quant === null ? null : readQuantization(r, r.table(quant, `${t.what}.quantization`)),
    isVariable: r.scalar(t, S.isVariable, 'u8', 0) !== 0,
    sparse: r.field(t, S.sparsity, 4) !== 0,
  };
}

function readQuantization(r: FlatbufferReader, t: FlatTable): TfliteQuantization {
  const S = Slots.QuantizationParameters;
  return {
    scale: r.float32s(t, S.scale, `${t.what}.scale`),
    zeroPoint: r.int64s(t, S.zeroPoint, `${t.what}.zero_point`),
    quantizedDimension: r.scalar(t, S.quantizedDimension, 'i32', 0),
    min: r.float32s(t, S.min, `${t.what}.min`),
    max: r.float32s(t, S.max, `${t.what}.max`),
  };
}

function readSignatureDef(r: FlatbufferReader, t: FlatTable): TfliteSignatureDef {
  const S = Slots.SignatureDef;
  const entry = (m: FlatTable): TfliteSignatureTensor => ({
    name: r.string(m, Slots.TensorMap.name, `${m.what}.name`),
    tensorIndex: r.scalar(m, Slots.TensorMap.tensorIndex, 'u32', 0),
  });
  return {
    key: r.string(t, S.signatureKey, `${t.what}.signature_key`),
    subgraphIndex: r.scalar(t, S.subgraphIndex, 'u32', 0),
    inputs: r.tables(t, S.inputs, `${t.what} input`, entry),
    outputs: r.tables(t, S.outputs, `${t.what} output`, entry),
  };
}

/** Every index must land inside the list it points into, so consumers can index without guarding. */
function checkReferences(info: TfliteModelInfo, fail: (what: string, found: string) => never): void {
  const nBuffers = info.buffers.length;
  const bufferOk = (b: number): boolean => b < nBuffers || (b === 0 && nBuffers === 0);
  info.subgraphs.forEach((sg, s) => {
    const n = sg.tensors.length;
    const tensorRef = (list: number[], what: string, optional: boolean): void => {
      for (const i of list) {
        if (i >= n || i < (optional ? -1 : 0)) {
          fail(`tensor indices below ${n} in ${what}`, `it refers to tensor ${i}`);
        }
      }
    };
    tensorRef(sg.inputs, `SubGraph ${s}.inputs`, false);
    tensorRef(sg.outputs, `SubGraph ${s}.outputs`, false);
    sg.tensors.forEach((t, i) => {
      if (!bufferOk(t.buffer)) fail(`a buffer index below ${nBuffers} in SubGraph ${s} Tensor ${i}`, `it is ${t.buffer}`);
    });
    sg.operators.forEach((op, o) => {
      if (op.opcodeIndex >= info.operatorCodes.length) {
        fail(`an opcode index below ${info.operatorCodes.length} in SubGraph ${s} Operator ${o}`, `it is ${op.opcodeIndex}`);
      }
      tensorRef(op.inputs, `SubGraph ${s} Operator ${o}.inputs`, true);
      tensorRef(op.outputs, `SubGraph ${s} Operator ${o}.outputs`, true);
    });
  });
  info.metadata.forEach((m, i) => {
    if (!bufferOk(m.buffer)) fail(`a buffer index below ${nBuffers} in Metadata ${i}`, `it is ${m.buffer}`);
  });
  info.signatureDefs.forEach((sig, i) => {
    const sg = info.subgraphs[sig.subgraphIndex];
    if (sg === undefined) {
      fail(`a subgraph index below ${info.subgraphs.length} in SignatureDef ${i}`, `it is ${sig.subgraphIndex}`);
    }
    for (const m of [...sig.inputs, ...sig.outputs]) {
      if (m.tensorIndex >= sg.tensors.length) {
        fail(`tensor indices below ${sg.tensors.length} in SignatureDef ${i}`, `'${m.name}' refers to tensor ${m.tensorIndex}`);
      }
    }
  });
}

function checkIdentifier(bytes: Uint8Array): void {
  const ascii = (from: number, to: number): string => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length >= 8 && ascii(4, 8) === TFLITE_FILE_IDENTIFIER) return;
  const found = bytes.length < 8
    ? `the file has only ${bytes.length} byte(s)`
    : `found ${JSON.stringify(ascii(4, 8))} (bytes ${Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ')})`;
  throw new TinyEdgeError(
    'E_MODEL_FORMAT',
    `Not a TFLite model: expected the file identifier "${TFLITE_FILE_IDENTIFIER}" at byte offset 4, but ${found}.`,
    guessHint(bytes, ascii),
  );
}

function guessHint(bytes: Uint8Array, ascii: (from: number, to: number) => string): string {
  if (bytes.length === 0) return 'The file is empty: write or download it again.';
  if (ascii(0, 4) === 'PK\x03\x04') {
    return 'This is a zip archive (a .task bundle, a PyTorch checkpoint, ...): extract the .tflite file inside it, or convert the model.';
  }
  if (ascii(0, 4) === 'GGUF') return 'This is a GGUF file for llama.cpp; tinyedge runs TFLite models: convert the original llama2.c checkpoint with `tinyedge convert llama2c`.';
  if (ascii(1, 4) === 'HDF') return 'This is an HDF5 (Keras) file: convert it to .tflite with the TensorFlow Lite converter first.';
  if (bytes[0] === 0x7b) return 'This is a JSON file: pass the .tflite model, or the bundle directory that holds manifest.json.';
  if (bytes.length >= 12 && ascii(8, 12) === TFLITE_FILE_IDENTIFIER) {
    return 'This looks like a size-prefixed TFLite flatbuffer: drop its first 4 bytes.';
  }
  if (looksLikeLlama2cCheckpoint(bytes)) {
    return 'This looks like a llama2.c checkpoint (.bin): convert it with `tinyedge convert llama2c <checkpoint.bin> --tokenizer <tokenizer.bin> --out <bundle-dir>`.';
  }
  return 'Pass a TensorFlow Lite flatbuffer (.tflite), or a tinyedge bundle directory.';
}

/** llama2.c's header is seven int32s: dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size (negative when the classifier is separate), seq_len. */
function looksLikeLlama2cCheckpoint(bytes: Uint8Array): boolean {
  if (bytes.length < 28) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 28);
  const h = Array.from({ length: 7 }, (_, i) => view.getInt32(4 * i, true));
  const [dim = 0, hidden = 0, layers = 0, heads = 0, kvHeads = 0, vocab = 0, seq = 0] = h;
  const inRange = (v: number, max: number): boolean => v >= 1 && v <= max;
  return inRange(dim, 1 << 16) && inRange(hidden, 1 << 18) && inRange(layers, 1024) && inRange(heads, 1024)
    && inRange(kvHeads, heads) && inRange(Math.abs(vocab), 1 << 22) && inRange(seq, 1 << 20) && dim % heads === 0;
}
