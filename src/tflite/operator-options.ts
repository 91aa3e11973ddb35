import type { Builder } from 'flatbuffers';
import { Activation, BuiltinOptions, Slots, TensorType } from './schema.js';

/** Fused activation names for the options that take one (`NONE`, `RELU`, `RELU6`, ...). */
export type FusedActivation = 'NONE' | 'RELU' | 'RELU_N1_TO_1' | 'RELU6' | 'TANH' | 'SIGN_BIT';

/** Tensor type names accepted by `CastOptions`. */
export type CastTypeName = 'FLOAT32' | 'INT32' | 'INT8' | 'UINT8' | 'INT16' | 'INT64' | 'BOOL';

/**
 * Builtin options of the operators tinyedge emits. `type` names the
 * `BuiltinOptions` union member; fields left out take the schema's defaults.
 */
export type OperatorOptions =
  | {
      /** The `BuiltinOptions` union member. */
      type: 'FullyConnectedOptions';
      /** Activation applied to the output. Default `NONE`. */
      fusedActivation?: FusedActivation;
      /** Keep the input's leading dimensions in the output. Default false. */
      keepNumDims?: boolean;
      /** Hybrid (int8 weight) kernels: quantize activations asymmetrically. Default false. */
      asymmetricQuantizeInputs?: boolean;
    }
  | {
      /** The `BuiltinOptions` union member. */
      type: 'SoftmaxOptions';
      /** Inverse temperature: softmax(beta * x). */
      beta: number;
    }
  | {
      /** The `BuiltinOptions` union member. */
      type: 'ConcatenationOptions';
      /** Axis to concatenate along. */
      axis: number;
      /** Activation applied to the output. Default `NONE`. */
      fusedActivation?: FusedActivation;
    }
  | {
      /** The `BuiltinOptions` union member. */
      type: 'AddOptions' | 'SubOptions' | 'MulOptions';
      /** Activation applied to the output. Default `NONE`. */
      fusedActivation?: FusedActivation;
    }
  | {
      /** The `BuiltinOptions` union member. */
      type: 'ReshapeOptions';
      /** The output shape (also given as the operator's second input). */
      newShape: readonly number[];
    }
  | {
      /** The `BuiltinOptions` union member. */
      type: 'GatherOptions';
      /** Axis of the params tensor that the indices select along. */
      axis: number;
      /** Leading batch dimensions shared by params and indices. Default 0. */
      batchDims?: number;
    }
  | {
      /** The `BuiltinOptions` union member. */
      type: 'ReducerOptions';
      /** Keep reduced axes with size 1. */
      keepDims: boolean;
    }
  | {
      /** The `BuiltinOptions` union member. */
      type: 'SplitOptions' | 'SplitVOptions';
      /** Number of outputs. */
      numSplits: number;
    }
  | {
      /** The `BuiltinOptions` union member. */
      type: 'CastOptions';
      /** Input element type. */
      inDataType: CastTypeName;
      /** Output element type. */
      outDataType: CastTypeName;
    }
  | {
      /** The `BuiltinOptions` union member. */
      type: 'BatchMatMulOptions';
      /** Use the left operand transposed (last two axes). Default false. */
      adjX?: boolean;
      /** Use the right operand transposed (last two axes). Default false. */
      adjY?: boolean;
    }
  | {
      /** The `BuiltinOptions` union member. */
      type: 'VarHandleOptions';
      /** Resource container. Default empty. */
      container?: string;
      /** Name every VAR_HANDLE of the same variable shares. */
      sharedName: string;
    }
  | {
      /** The `BuiltinOptions` union member. */
      type: 'CallOnceOptions';
      /** Subgraph run once, before the first invoke's other operators. */
      initSubgraphIndex: number;
    }
  | {
      /** The `BuiltinOptions` union member. */
      type: 'IfOptions';
      /** Subgraph run when the condition is true. */
      thenSubgraphIndex: number;
      /** Subgraph run when the condition is false. */
      elseSubgraphIndex: number;
    }
  | {
      /** The `BuiltinOptions` union member. */
      type:
        | 'DequantizeOptions' | 'LessOptions' | 'GreaterOptions' | 'SelectOptions' | 'SelectV2Options' | 'SliceOptions'
        | 'SquareOptions' | 'FillOptions' | 'TransposeOptions' | 'ReadVariableOptions' | 'AssignVariableOptions' | 'DynamicUpdateSliceOptions';
    };

/**
 * Write an operator's options table and return its offset with the union
 * type to store beside it.
 */
export function writeBuiltinOptions(fb: Builder, o: OperatorOptions): { type: keyof typeof BuiltinOptions; offset: number } {
  const act = (a: FusedActivation | undefined): number => Activation[a ?? 'NONE'];
  let offset: number;
  switch (o.type) {
    case 'FullyConnectedOptions': {
      const s = Slots.FullyConnectedOptions;
      fb.startObject(4);
      fb.addFieldInt8(s.fusedActivation, act(o.fusedActivation), 0);
      fb.addFieldInt8(s.keepNumDims, o.keepNumDims ? 1 : 0, 0);
      fb.addFieldInt8(s.asymmetricQuantizeInputs, o.asymmetricQuantizeInputs ? 1 : 0, 0);
      offset = fb.endObject();
      break;
    }
    case 'SoftmaxOptions':
      fb.startObject(1);
      fb.addFieldFloat32(Slots.SoftmaxOptions.beta, o.beta, 0);
      offset = fb.endObject();
      break;
    case 'ConcatenationOptions':
      fb.startObject(2);
      fb.addFieldInt32(Slots.ConcatenationOptions.axis, o.axis, 0);
      fb.addFieldInt8(Slots.ConcatenationOptions.fusedActivation, act(o.fusedActivation), 0);
      offset = fb.endObject();
      break;
    case 'AddOptions':
    case 'SubOptions':
    case 'MulOptions':
      fb.startObject(2);
      fb.addFieldInt8(0, act(o.fusedActivation), 0);
      offset = fb.endObject();
      break;
    case 'ReshapeOptions': {
      fb.startVector(4, o.newShape.length, 4);
      for (let i = o.newShape.length - 1; i >= 0; i--) fb.addInt32(o.newShape[i]!);
      const shape = fb.endVector();
      fb.startObject(1);
      fb.addFieldOffset(Slots.ReshapeOptions.newShape, shape, 0);
      offset = fb.endObject();
      break;
    }
    case 'GatherOptions':
      fb.startObject(2);
      fb.addFieldInt32(Slots.GatherOptions.axis, o.axis, 0);
      fb.addFieldInt32(Slots.GatherOptions.batchDims, o.batchDims ?? 0, 0);
      offset = fb.endObject();
      break;
    case 'ReducerOptions':
      fb.startObject(1);
      fb.addFieldInt8(Slots.ReducerOptions.keepDims, o.keepDims ? 1 : 0, 0);
      offset = fb.endObject();
      break;
    case 'SplitOptions':
    case 'SplitVOptions':
      fb.startObject(1);
      fb.addFieldInt32(0, o.numSplits, 0);
      offset = fb.endObject();
      break;
    case 'CastOptions':
      fb.startObject(2);
      fb.addFieldInt8(Slots.CastOptions.inDataType, TensorType[o.inDataType], 0);
      fb.addFieldInt8(Slots.CastOptions.outDataType, TensorType[o.outDataType], 0);
      offset = fb.endObject();
      break;
    case 'BatchMatMulOptions':
      fb.startObject(3);
      fb.addFieldInt8(Slots.BatchMatMulOptions.adjX, o.adjX ? 1 : 0, 0);
      fb.addFieldInt8(Slots.BatchMatMulOptions.adjY, o.adjY ? 1 : 0, 0);
      offset = fb.endObject();
      break;
    case 'VarHandleOptions': {
      const container = fb.createString(o.container ?? '');
      const shared = fb.createString(o.sharedName);
      fb.startObject(2);
      fb.addFieldOffset(Slots.VarHandleOptions.container, container, 0);
      fb.addFieldOffset(Slots.VarHandleOptions.sharedName, shared, 0);
      offset = fb.endObject();
      break;
    }
    case 'IfOptions':
      fb.startObject(2);
      fb.addFieldInt32(Slots.IfOptions.thenSubgraphIndex, o.thenSubgraphIndex, 0);
      fb.addFieldInt32(Slots.IfOptions.elseSubgraphIndex, o.elseSubgraphIndex, 0);
      offset = fb.endObject();
      break;
    case 'CallOnceOptions':
      fb.startObject(1);
      fb.addFieldInt32(Slots.CallOnceOptions.initSubgraphIndex, o.initSubgraphIndex, 0);
      offset = fb.endObject();
      break;
    default:
      fb.startObject(0);
      offset = fb.endObject();
  }
  return { type: o.type, offset };
}
