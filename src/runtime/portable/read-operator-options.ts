import { FlatbufferReader } from '../../tflite/flatbuffer-reader.js';
import type { FlatTable } from '../../tflite/flatbuffer-reader.js';
import { Slots } from '../../tflite/schema.js';

/**
 * One operator's builtin options table, read field by field on demand. Every
 * accessor takes the field's slot (see `Slots` in `schema.ts`) and returns
 * the schema default when the field, or the whole table, is absent.
 */
export interface OptionsTable {
  /** The `BuiltinOptions` union type the file names (0 when the operator has no options). */
  readonly type: number;
  /** An `int` field, or `fallback` (default 0). */
  int(slot: number, fallback?: number): number;
  /** A `byte` field (activation and tensor-type enums), or 0. */
  byte(slot: number): number;
  /** A bool field. */
  bool(slot: number): boolean;
  /** A float field, or `fallback`. */
  float(slot: number, fallback: number): number;
  /** An `[int]` field (empty when absent). */
  ints(slot: number): number[];
  /** A string field (`''` when absent). */
  string(slot: number): string;
}

const HINT = 'The model file is damaged; rebuild the bundle with `tinyedge convert`.';

/**
 * Read every operator's builtin options, which `readTfliteModel` leaves out:
 * `[subgraph][operator]`. Bounds-checked like the reader itself, so a corrupt
 * file fails with `E_MODEL_FORMAT` instead of reading garbage.
 *
 * @param bytes - the whole `.tflite` file, already accepted by `readTfliteModel`
 * @throws TinyEdgeError `E_MODEL_FORMAT` on an offset that leaves the file
 */
export function readOperatorOptions(bytes: Uint8Array): OptionsTable[][] {
  const r = new FlatbufferReader(bytes, HINT);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const model = r.table(r.u32(0, 'the root table offset'), 'Model');
  return r.tables(model, Slots.Model.subgraphs, 'SubGraph', (sg) =>
    r.tables(sg, Slots.SubGraph.operators, `${sg.what} Operator`, (op) => {
      const type = r.scalar(op, Slots.Operator.builtinOptionsType, 'u8', 0);
      const at = r.ref(op, Slots.Operator.builtinOptions, `${op.what}.builtin_options`);
      const table = at === null ? null : r.table(at, `${op.what} options`);
      return optionsTable(r, view, type, table);
    }),
  );
}

function optionsTable(r: FlatbufferReader, view: DataView, type: number, t: FlatTable | null): OptionsTable {
  return {
    type,
    int: (slot, fallback = 0) => (t === null ? fallback : r.scalar(t, slot, 'i32', fallback)),
    byte: (slot) => (t === null ? 0 : r.scalar(t, slot, 'i8', 0)),
    bool: (slot) => (t === null ? false : r.scalar(t, slot, 'u8', 0) !== 0),
    float: (slot, fallback) => {
      if (t === null) return fallback;
      const at = r.field(t, slot, 4);
      return at === 0 ? fallback : view.getFloat32(at, true);
    },
    ints: (slot) => (t === null ? [] : r.int32s(t, slot, `${t.what} field ${slot}`)),
    string: (slot) => (t === null ? '' : r.string(t, slot, `${t.what} field ${slot}`)),
  };
}
