/**
 * Every builtin operator the portable backend runs, by `BuiltinOperator`
 * code: all that tinyedge's graph writer emits (`BuiltinOperator` in
 * `src/tflite/schema.ts`). Any other operator is refused with
 * `E_MODEL_UNSUPPORTED` naming it. Internal to the portable backend.
 */
import { CONTROL_OPERATORS } from './control-operators.js';
import { ELEMENTWISE_OPERATORS } from './elementwise-operators.js';
import type { OpCompiler } from './graph-types.js';
import { INDEX_OPERATORS } from './index-operators.js';
import { MATMUL_OPERATORS } from './matmul-operators.js';
import { REDUCE_OPERATORS } from './reduce-operators.js';
import { SHAPE_OPERATORS } from './shape-operators.js';

/** Operator compilers by builtin code. */
export const PORTABLE_OPERATORS: Readonly<Record<number, OpCompiler>> = {
  ...ELEMENTWISE_OPERATORS,
  ...SHAPE_OPERATORS,
  ...INDEX_OPERATORS,
  ...REDUCE_OPERATORS,
  ...MATMUL_OPERATORS,
  ...CONTROL_OPERATORS,
};
