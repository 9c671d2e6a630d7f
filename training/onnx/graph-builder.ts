import {
  encodeModel,
  OnnxAttributeType,
  OnnxDataType,
  type OnnxAttribute,
  type OnnxDimension,
  type OnnxGraph,
  type OnnxNode,
  type OnnxTensor,
  type OnnxTypeProto,
  type OnnxValueInfo,
} from '../../models/onnx-proto.ts';

/**
 * Small constructors for ONNX graphs: tensors, value infos, attributes, nodes and the model
 * envelope. The exporters (export-mlp.ts, tree-ensemble.ts) read as lists of nodes.
 *
 * Versions: IR 8 with the default domain at opset 17 and ai.onnx.ml at opset 3. Opset 17 is
 * the highest that IR 8 may import (onnx/docs/Versioning.md, "Released Versions": ONNX 1.12);
 * it has every operator used here in its current form (Clip with min/max inputs, ReduceSum with
 * axes as an input, GreaterOrEqual), and onnxruntime-node 1.30 runs it. ai.onnx.ml 3 is what
 * skl2onnx and onnxmltools emit for TreeEnsembleClassifier at that target opset.
 */
export const IR_VERSION = 8;
export const ONNX_OPSET = 17;
export const ONNX_ML_OPSET = 3;
export const ML_DOMAIN = 'ai.onnx.ml';
export const PRODUCER_NAME = 'secondary-referral';
export const PRODUCER_VERSION = '1';

/** The batch dimension's symbolic name: any number of rows. */
export const BATCH_DIM = 'N';

const utf8 = new TextEncoder();

/** Little-endian IEEE 754 bytes, as TensorProto.raw_data requires whatever the host's order. */
export function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): OnnxTensor {
  checkElementCount(name, dims, values.length);
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return { name, dims, dataType: OnnxDataType.FLOAT, rawData: bytes };
}

export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): OnnxTensor {
  checkElementCount(name, dims, values.length);
  return { name, dims, dataType: OnnxDataType.INT64, int64Data: values };
}

function checkElementCount(name: string, dims: readonly number[], count: number): void {
  const expected = dims.reduce((product, d) => product * d, 1);
  if (expected !== count) {
    throw new RangeError(`tensor '${name}' has ${count} values, its shape [${dims.join(', ')}] holds ${expected}`);
  }
}

export function tensorType(elemType: number, shape: readonly (number | string)[]): OnnxTypeProto {
  const dim: OnnxDimension[] = shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { tensorType: { elemType, shape: { dim } } };
}

export function valueInfo(name: string, type: OnnxTypeProto, docString?: string): OnnxValueInfo {
  return docString === undefined ? { name, type } : { name, type, docString };
}

export const attribute = {
  float: (name: string, f: number): OnnxAttribute => ({ name, type: OnnxAttributeType.FLOAT, f }),
  int: (name: string, i: number): OnnxAttribute => ({ name, type: OnnxAttributeType.INT, i }),
  string: (name: string, s: string): OnnxAttribute => ({ name, type: OnnxAttributeType.STRING, s: utf8.encode(s) }),
  tensor: (name: string, t: OnnxTensor): OnnxAttribute => ({ name, type: OnnxAttributeType.TENSOR, t }),
  floats: (name: string, floats: readonly number[]): OnnxAttribute => ({ name, type: OnnxAttributeType.FLOATS, floats }),
  ints: (name: string, ints: readonly number[]): OnnxAttribute => ({ name, type: OnnxAttributeType.INTS, ints }),
  strings: (name: string, strings: readonly string[]): OnnxAttribute => ({
    name,
    type: OnnxAttributeType.STRINGS,
    strings: strings.map((s) => utf8.encode(s)),
  }),
};

/** A node named after its first output (names only need to be unique, and outputs are). */
export function node(
  opType: string,
  input: readonly string[],
  output: readonly string[],
  attributes: readonly OnnxAttribute[] = [],
  domain?: string,
): OnnxNode {
  const base = { input, output, name: `${opType}_${output[0] ?? ''}`, opType, attribute: attributes };
  return domain === undefined ? base : { ...base, domain };
}

export interface ModelEnvelope {
  readonly graph: OnnxGraph;
  /** Written to ModelProto.metadata_props, in this order. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly docString?: string;
  /** Import ai.onnx.ml (tree ensembles, ZipMap). */
  readonly usesMlDomain?: boolean;
}

export function serializeModel(envelope: ModelEnvelope): Uint8Array {
  const opsetImport = [{ domain: '', version: ONNX_OPSET }];
  if (envelope.usesMlDomain === true) opsetImport.push({ domain: ML_DOMAIN, version: ONNX_ML_OPSET });
  return encodeModel({
    irVersion: IR_VERSION,
    opsetImport,
    producerName: PRODUCER_NAME,
    producerVersion: PRODUCER_VERSION,
    ...(envelope.docString === undefined ? {} : { docString: envelope.docString }),
    graph: envelope.graph,
    metadataProps: Object.entries(envelope.metadata).map(([key, value]) => ({ key, value })),
  });
}
