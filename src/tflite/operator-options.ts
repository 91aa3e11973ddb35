import type { Builder } from 'flatbuffers';
import { Activation, BuiltinOptions, Slots, TensorType } from './schema.js';

/** Fused activation names for the options that take one. */
export type FusedActivation = keyof typeof Activation;

/**
 * Builtin options of the operators tinyedge emits. Each member names its
 * `BuiltinOptions` union type; fields left out take the schema's defaults.
 */
export type OperatorOptions =
  | { type: 'FullyConnectedOptions'; fusedActivation?: FusedActivation; keepNumDims?: boolean; asymmetricQuantizeInputs?: boolean }
  | { type: 'SoftmaxOptions'; beta: number }
  | { type: 'ConcatenationOptions'; axis: number; fusedActivation?: FusedActivation }
  | { type: 'AddOptions'; fusedActivation?: FusedActivation }
  | { type: 'SubOptions'; fusedActivation?: FusedActivation }
  | { type: 'MulOptions'; fusedActivation?: FusedActivation }
  | { type: 'ReshapeOptions'; newShape: readonly number[] }
  | { type: 'GatherOptions'; axis: number; batchDims?: number }
  | { type: 'ReducerOptions'; keepDims: boolean }
  | { type: 'SplitOptions'; numSplits: number }
  | { type: 'SplitVOptions'; numSplits: number }
  | { type: 'CastOptions'; inDataType: keyof typeof TensorType; outDataType: keyof typeof TensorType }
  | { type: 'BatchMatMulOptions'; adjX?: boolean; adjY?: boolean }
  | { type: 'VarHandleOptions'; container?: string; sharedName: string }
  | { type: 'CallOnceOptions'; initSubgraphIndex: number }
  | { type: 'IfOptions'; thenSubgraphIndex: number; elseSubgraphIndex: number }
  | {
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
