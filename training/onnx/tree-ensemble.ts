import { MODEL_INPUT_NAME } from '../../models/model-contract.ts';
import { OnnxDataType, type OnnxValueInfo } from '../../models/onnx-proto.ts';
import { attribute, BATCH_DIM, ML_DOMAIN, node, serializeModel, tensorType, valueInfo } from './graph-builder.ts';

/**
 * Builds a binary TreeEnsembleClassifier model (ai.onnx.ml) shaped as the standard converters
 * emit them, so tests can exercise external models without Python:
 *
 * - outputs `label` int64 [N] and `probabilities` float32 [N, 2] (class 0, class 1), as
 *   onnxmltools writes for XGBoost and LightGBM and skl2onnx for scikit-learn with ZipMap off;
 * - with `zipMap: true`, the probabilities leave through a ZipMap node as
 *   `output_probability`, a sequence of maps {0: p₀, 1: p₁}, as skl2onnx does by default. The
 *   loader refuses that form (it accepts tensors only) and says how to convert without it.
 *
 * Operator reference: onnx/docs/Operators-ml.md, TreeEnsembleClassifier (ai.onnx.ml 3) and ZipMap.
 */

export type TreeNode =
  | { readonly leaf: number }
  | {
      readonly feature: number;
      readonly threshold: number;
      /** BRANCH_LEQ: go to ifTrue when x[feature] <= threshold (XGBoost converters use BRANCH_LT). */
      readonly mode?: 'BRANCH_LEQ' | 'BRANCH_LT';
      readonly ifTrue: TreeNode;
      readonly ifFalse: TreeNode;
      /** Where a NaN feature goes (XGBoost's default direction). */
      readonly missingGoesTrue?: boolean;
    };

export interface TreeEnsembleSpec {
  readonly featureCount: number;
  readonly trees: readonly TreeNode[];
  /**
   * - `margin`: gradient boosting (XGBoost, LightGBM, scikit-learn GradientBoostingClassifier).
   *   Leaves hold margins: p = σ(baseValue + Σ_trees leaf), post_transform LOGISTIC, weights on
   *   class 0 only; onnxruntime expands the single score to [1 − p, p].
   * - `vote`: random forest (scikit-learn RandomForestClassifier). Leaves hold the share of
   *   class 1: p = mean over trees of leaf, post_transform NONE.
   */
  readonly aggregation: 'margin' | 'vote';
  /** The margin's starting value (XGBoost's base_score as a logit); `margin` only. */
  readonly baseValue?: number;
  readonly zipMap?: boolean;
  /** For contract tests; the contract's name is the default. */
  readonly inputName?: string;
  readonly inputType?: 'float32' | 'float64';
  readonly metadata?: Readonly<Record<string, string>>;
}

interface FlatNodes {
  treeIds: number[];
  nodeIds: number[];
  featureIds: number[];
  values: number[];
  modes: string[];
  trueIds: number[];
  falseIds: number[];
  missingTrue: number[];
  classTreeIds: number[];
  classNodeIds: number[];
  classIds: number[];
  classWeights: number[];
}

export function buildTreeEnsembleClassifier(spec: TreeEnsembleSpec): Uint8Array {
  if (spec.trees.length === 0) throw new RangeError('trees is empty');
  const flat = flatten(spec);
  const inputName = spec.inputName ?? MODEL_INPUT_NAME;
  const inputType = spec.inputType === 'float64' ? OnnxDataType.DOUBLE : OnnxDataType.FLOAT;
  const postTransform = spec.aggregation === 'margin' ? 'LOGISTIC' : 'NONE';
  const probabilities = spec.zipMap === true ? 'probability_tensor' : 'probabilities';

  const classifier = node(
    'TreeEnsembleClassifier',
    [inputName],
    ['label', probabilities],
    [
      attribute.ints('nodes_treeids', flat.treeIds),
      attribute.ints('nodes_nodeids', flat.nodeIds),
      attribute.ints('nodes_featureids', flat.featureIds),
      attribute.floats('nodes_values', flat.values),
      attribute.strings('nodes_modes', flat.modes),
      attribute.ints('nodes_truenodeids', flat.trueIds),
      attribute.ints('nodes_falsenodeids', flat.falseIds),
      attribute.ints('nodes_missing_value_tracks_true', flat.missingTrue),
      attribute.ints('class_treeids', flat.classTreeIds),
      attribute.ints('class_nodeids', flat.classNodeIds),
      attribute.ints('class_ids', flat.classIds),
      attribute.floats('class_weights', flat.classWeights),
      attribute.ints('classlabels_int64s', [0, 1]),
      attribute.string('post_transform', postTransform),
      ...(spec.aggregation === 'margin' ? [attribute.floats('base_values', [spec.baseValue ?? 0])] : []),
    ],
    ML_DOMAIN,
  );
  const nodes = [classifier];
  const outputs: OnnxValueInfo[] = [valueInfo('label', tensorType(OnnxDataType.INT64, [BATCH_DIM]))];
  if (spec.zipMap === true) {
    nodes.push(node('ZipMap', [probabilities], ['output_probability'], [attribute.ints('classlabels_int64s', [0, 1])], ML_DOMAIN));
    outputs.push(
      valueInfo('output_probability', {
        sequenceType: { elemType: { mapType: { keyType: OnnxDataType.INT64, valueType: tensorType(OnnxDataType.FLOAT, []) } } },
      }),
    );
  } else {
    outputs.push(valueInfo('probabilities', tensorType(OnnxDataType.FLOAT, [BATCH_DIM, 2])));
  }

  return serializeModel({
    graph: {
      name: 'tree_ensemble',
      node: nodes,
      initializer: [],
      input: [valueInfo(inputName, tensorType(inputType, [BATCH_DIM, spec.featureCount]))],
      output: outputs,
    },
    metadata: spec.metadata ?? {},
    usesMlDomain: true,
  });
}

/** Pre-order numbering per tree, as the converters write it: node 0 is the root. */
function flatten(spec: TreeEnsembleSpec): FlatNodes {
  const flat: FlatNodes = {
    treeIds: [],
    nodeIds: [],
    featureIds: [],
    values: [],
    modes: [],
    trueIds: [],
    falseIds: [],
    missingTrue: [],
    classTreeIds: [],
    classNodeIds: [],
    classIds: [],
    classWeights: [],
  };
  const treeCount = spec.trees.length;
  spec.trees.forEach((root, treeId) => {
    let nextId = 0;
    const visit = (tree: TreeNode, path: string): number => {
      const id = nextId++;
      const at = flat.treeIds.length;
      flat.treeIds.push(treeId);
      flat.nodeIds.push(id);
      if ('leaf' in tree) {
        flat.featureIds.push(0);
        flat.values.push(0);
        flat.modes.push('LEAF');
        flat.trueIds.push(0);
        flat.falseIds.push(0);
        flat.missingTrue.push(0);
        addLeafWeights(flat, spec, treeId, id, tree.leaf, treeCount, path);
        return id;
      }
      if (!Number.isInteger(tree.feature) || tree.feature < 0 || tree.feature >= spec.featureCount) {
        throw new RangeError(`${path}.feature is ${tree.feature}, features are 0 … ${spec.featureCount - 1}`);
      }
      flat.featureIds.push(tree.feature);
      flat.values.push(tree.threshold);
      flat.modes.push(tree.mode ?? 'BRANCH_LEQ');
      flat.trueIds.push(-1);
      flat.falseIds.push(-1);
      flat.missingTrue.push(tree.missingGoesTrue === true ? 1 : 0);
      flat.trueIds[at] = visit(tree.ifTrue, `${path}.ifTrue`);
      flat.falseIds[at] = visit(tree.ifFalse, `${path}.ifFalse`);
      return id;
    };
    visit(root, `trees[${treeId}]`);
  });
  return flat;
}

function addLeafWeights(flat: FlatNodes, spec: TreeEnsembleSpec, treeId: number, nodeId: number, leaf: number, treeCount: number, path: string): void {
  if (!Number.isFinite(leaf)) throw new RangeError(`${path}.leaf is ${leaf}, it must be a finite number`);
  if (spec.aggregation === 'margin') {
    flat.classTreeIds.push(treeId);
    flat.classNodeIds.push(nodeId);
    flat.classIds.push(0);
    flat.classWeights.push(leaf);
    return;
  }
  if (leaf < 0 || leaf > 1) throw new RangeError(`${path}.leaf is ${leaf}, a vote leaf holds the share of class 1 in [0, 1]`);
  // skl2onnx writes a binary forest's leaf as one weight, the class-1 share over n_estimators
  // (skl2onnx/common/tree_ensemble.py, add_node); onnxruntime expands the sum s to [1 − s, s].
  flat.classTreeIds.push(treeId);
  flat.classNodeIds.push(nodeId);
  flat.classIds.push(0);
  flat.classWeights.push(leaf / treeCount);
}
