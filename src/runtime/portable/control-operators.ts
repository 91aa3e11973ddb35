/**
 * TFLite's control flow and state on tfjs: IF and CALL_ONCE run other
 * subgraphs; VAR_HANDLE, READ_VARIABLE and ASSIGN_VARIABLE keep resource
 * variables from one invoke to the next. Resource handles are resolved when
 * the graph is compiled: a handle is the `container/shared_name` of the
 * VAR_HANDLE that made it. Internal to the portable backend.
 */
import { BuiltinOptions, Slots } from '../../tflite/schema.js';
import type { OpCompiler, TensorMeta } from './graph-types.js';
import { showShape, sizeOf } from './graph-types.js';
import { expectDtype, readScalar, runtimeError } from './op-helpers.js';

function sameMeta(a: TensorMeta, b: TensorMeta): boolean {
  return a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}

/** IF: runs the then-subgraph when the bool condition is true, the else-subgraph otherwise, on the other inputs. */
const ifOperator: OpCompiler = (ctx) => {
  const { k } = ctx;
  const cond = ctx.input(0);
  expectDtype(ctx, cond, ['bool'], 'condition');
  if (sizeOf(cond.meta.shape) !== 1) ctx.invalid(`a condition of one element, found ${showShape(cond.meta.shape)}`);
  const options = ctx.options(BuiltinOptions.IfOptions);
  const branches = [Slots.IfOptions.thenSubgraphIndex, Slots.IfOptions.elseSubgraphIndex].map((slot) => ctx.subgraph(options.int(slot)));
  const [then, otherwise] = branches as [(typeof branches)[number], (typeof branches)[number]];
  const args = ctx.inputs.slice(1).map((x, i) => x ?? ctx.input(i + 1));
  for (const branch of branches) {
    if (branch.inputs.length !== args.length || branch.inputs.some((m, i) => !sameMeta(m, args[i]!.meta))) {
      ctx.invalid(`subgraph ${branch.index} to take the IF's inputs (${args.map((a) => `${a.meta.dtype} ${showShape(a.meta.shape)}`).join(', ')})`);
    }
  }
  if (then.outputs.length !== otherwise.outputs.length || then.outputs.some((m, i) => !sameMeta(m, otherwise.outputs[i]!))) {
    ctx.invalid(`subgraphs ${then.index} and ${otherwise.index} to return outputs of the same types and shapes`);
  }
  return {
    outputs: then.outputs.map((m) => ({ shape: [...m.shape], dtype: m.dtype })),
    run: (xs) => (readScalar(k, xs[0]!) !== 0 ? then : otherwise).call(xs.slice(1) as Parameters<typeof then.call>[0]),
    pure: false,
  };
};

/** CALL_ONCE: runs its initializer subgraph at the first invoke only. */
const callOnce: OpCompiler = (ctx) => {
  const init = ctx.subgraph(ctx.options(BuiltinOptions.CallOnceOptions).int(Slots.CallOnceOptions.initSubgraphIndex));
  if (init.inputs.length > 0 || init.outputs.length > 0) ctx.invalid(`an initializer subgraph without inputs or outputs, subgraph ${init.index} has some`);
  const key = ctx.where;
  const { calledOnce } = ctx.state;
  return {
    outputs: [],
    run: () => {
      if (!calledOnce.has(key)) {
        calledOnce.add(key);
        init.call([]);
      }
      return [];
    },
    pure: false,
  };
};

/** VAR_HANDLE: names a resource variable; no work at run time. */
const varHandle: OpCompiler = (ctx) => {
  const options = ctx.options(BuiltinOptions.VarHandleOptions);
  const key = `${options.string(Slots.VarHandleOptions.container)}/${options.string(Slots.VarHandleOptions.sharedName)}`;
  const out = ctx.outputIndices[0];
  if (out === undefined || ctx.outputs[0]!.dtype !== 'resource') return ctx.invalid('one resource output');
  ctx.defineResource(out, key);
  return { outputs: [{ shape: [...ctx.outputs[0]!.shape], dtype: 'resource' }], run: () => [], pure: false };
};

/** READ_VARIABLE: the variable's value, which must have been assigned and have the output's shape. */
const readVariable: OpCompiler = (ctx) => {
  const key = ctx.resourceOf(0);
  const out = ctx.outputs[0] ?? ctx.invalid('one output');
  const { variables } = ctx.state;
  return {
    outputs: [{ shape: [...out.shape], dtype: out.dtype }],
    run: () => {
      const value = variables.get(key);
      if (value === undefined) throw runtimeError(ctx.where, `resource variable "${key}" is read before any ASSIGN_VARIABLE`);
      if (value.shape.length !== out.shape.length || value.shape.some((d, i) => d !== out.shape[i])) {
        throw runtimeError(ctx.where, `resource variable "${key}" holds ${showShape(value.shape)}, the graph reads ${showShape(out.shape)}`);
      }
      return [value];
    },
    pure: false,
  };
};

/** ASSIGN_VARIABLE: the variable holds this value from now on (a reference of its own, past the invoke). */
const assignVariable: OpCompiler = (ctx) => {
  const { k } = ctx;
  const key = ctx.resourceOf(0);
  ctx.input(1);
  const { variables } = ctx.state;
  return {
    outputs: [],
    run: ([, value]) => {
      const old = variables.get(key);
      variables.set(key, k.hold(value!));
      if (old !== undefined) k.release(old);
      return [];
    },
    pure: false,
  };
};

/** Control-flow and variable operators by builtin code. */
export const CONTROL_OPERATORS: Readonly<Record<number, OpCompiler>> = {
  118: ifOperator, // IF
  129: callOnce, // CALL_ONCE
  142: varHandle, // VAR_HANDLE
  143: readVariable, // READ_VARIABLE
  144: assignVariable, // ASSIGN_VARIABLE
};
