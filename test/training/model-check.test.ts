import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_COUNT, FEATURE_INDEX, FEATURE_NAMES, FEATURE_SPEC_HASH } from '../../features/feature-spec.ts';
import { loadModel } from '../../models/load-model.ts';
import { ModelContractError } from '../../models/model-contract.ts';
import { loadLabelledTable } from '../../training/load-dataset.ts';
import type { LabelledTable } from '../../training/labelled-table.ts';
import { checkExternalModel, writeCheckedModel, type ModelCheckRequest } from '../../training/model-check.ts';
import { NoReferralsError, referralShortfallWarning } from '../../training/referral-shortfall.ts';
import { buildTreeEnsembleClassifier, type TreeEnsembleSpec } from '../../training/onnx/tree-ensemble.ts';
import { syntheticTable, writeTableCsv } from './training-fixtures.ts';

/**
 * model:check on external models: a gradient-boosted TreeEnsembleClassifier as XGBoost's
 * converter writes it (output `probabilities` [N, 2]) passes, is scored exactly, and its folder
 * loads in the service; models that break the contract are refused with messages that say what
 * and how to fix it.
 */

let folder: string;
let table: LabelledTable;
let dataPath: string;

// Two stumps: fewer than 10 crossings in 30 days (+1.5), a general lane (+0.8); base margin −3.
const CROSSINGS = FEATURE_INDEX.vehicleCrossings30d;
const LANE = FEATURE_INDEX.laneGeneral;
const BOOSTED: TreeEnsembleSpec = {
  featureCount: FEATURE_COUNT,
  aggregation: 'margin',
  baseValue: -3,
  trees: [
    { feature: CROSSINGS, threshold: 9.5, mode: 'BRANCH_LEQ', ifTrue: { leaf: 1.5 }, ifFalse: { leaf: 0 } },
    { feature: LANE, threshold: 0.5, mode: 'BRANCH_LT', ifTrue: { leaf: 0 }, ifFalse: { leaf: 0.8 } },
  ],
  metadata: { feature_spec_hash: FEATURE_SPEC_HASH },
};

function expectedProbability(row: Float32Array): number {
  const margin = -3 + (row[CROSSINGS]! <= 9.5 ? 1.5 : 0) + (row[LANE]! < 0.5 ? 0 : 0.8);
  return 1 / (1 + Math.exp(-margin));
}

/** Rows of the check data in the top tie group (few crossings and a general lane), by the trees' own rule. */
function topGroupRows(): number {
  let rows = 0;
  for (let r = 0; r < table.rows; r++) {
    if (table.features[r * FEATURE_COUNT + CROSSINGS]! <= 9.5 && table.features[r * FEATURE_COUNT + LANE]! >= 0.5) rows++;
  }
  return rows;
}

function writeModel(name: string, spec: TreeEnsembleSpec): string {
  const path = join(folder, `${name}.onnx`);
  writeFileSync(path, buildTreeEnsembleClassifier(spec));
  return path;
}

function request(onnxPath: string, extra: Partial<ModelCheckRequest> = {}): ModelCheckRequest {
  return { onnxPath, table, dataPath, version: 'xgb-1', name: 'boosted stumps', targetReferralRate: 0.01, createdAt: '2025-06-01T00:00:00Z', ...extra };
}

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'model-check-test-'));
  dataPath = join(folder, 'data.csv');
  await writeTableCsv(syntheticTable(3000, 3), dataPath);
  table = await loadLabelledTable(dataPath);
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('model:check on a TreeEnsembleClassifier', () => {
  it('passes the contract, scores every row as the trees say, and writes a folder the service loads', async () => {
    const result = await checkExternalModel(request(writeModel('boosted', BOOSTED), { targetReferralRate: 0.15 }));
    expect(result.contract).toMatchObject({ inputName: 'features', outputName: 'probabilities', outputForm: 'twoClass', width: FEATURE_COUNT });
    expect(result.card.modelDetails.architecture).toContain('TreeEnsembleClassifier (ai.onnx.ml)');
    expect(result.card.onnx.outputName).toBe('probabilities');
    expect(result.card.evaluationData.rows).toBe(3000);
    expect(result.card.metrics.baseline).toBeUndefined();
    // The threshold and golden rows come from onnxruntime's scores, which follow the trees exactly.
    for (const row of result.golden.rows) {
      expect(row.probability).toBeCloseTo(expectedProbability(Float32Array.from(row.features)), 6);
    }
    // Four distinct scores; the top one (few crossings, general lane) holds about 10 % of rows, within 15 %.
    expect(result.card.decision.threshold).toBeCloseTo(1 / (1 + Math.exp(0.7)), 6);

    const out = join(folder, 'xgb-1');
    writeCheckedModel(result, out, false);
    const model = await loadModel(out);
    try {
      expect(model.contract.outputForm).toBe('twoClass');
      expect(model.sha256).toBe(result.onnx.sha256);
    } finally {
      await model.session.release();
    }
    expect(readFileSync(join(out, 'card.md'), 'utf8')).toContain('Trained outside this project');
  });

  it('states the rate achieved when the top tie falls short of the target, and refuses to write one that refers nothing', async () => {
    const top = topGroupRows();
    const path = writeModel('boosted-ties', BOOSTED);
    // 15 %: the top group (about 10 % of rows) fits, the next (about 15 % more) would not.
    const short = await checkExternalModel(request(path, { targetReferralRate: 0.15 }));
    expect(short.card.decision.achievedReferralRate).toBe(top / 3000);
    expect(short.decision).toMatchObject({ referredRows: top, rows: 3000 });
    expect(referralShortfallWarning(short.decision, short.shortfallContext)).toContain(`refers ${Number(((top / 3000) * 100).toFixed(3))} % of rows of ${dataPath} (${top} of 3,000), short of the 15 % target`);

    // 5 %: the top group alone holds more: nothing referred, no precision or recall at any card rate.
    const none = await checkExternalModel(request(path, { targetReferralRate: 0.05 }));
    expect(top / 3000).toBeGreaterThan(0.05);
    expect(none.card.decision.achievedReferralRate).toBe(0);
    for (const point of none.card.metrics.holdout.atReferralRates) expect(point).toMatchObject({ referred: 0, precision: null, recall: null });
    expect(none.markdown).toContain('it refers no holdout crossing (target 5 %)');
    const out = join(folder, 'xgb-ties');
    expect(() => writeCheckedModel(none, out, false)).toThrow(NoReferralsError);
    expect(() => writeCheckedModel(none, out, false)).toThrow(`refers none of the 3,000 rows of ${dataPath} (target 5 %): the ${top} rows at the top score`);
    expect(existsSync(out)).toBe(false);
    writeCheckedModel(none, out, false, true);
    const model = await loadModel(out);
    await model.session.release();
  });

  it('accepts a model without metadata when the hash is given on the command line', async () => {
    const path = writeModel('no-metadata', { ...BOOSTED, metadata: {} });
    const result = await checkExternalModel(request(path, { featureSpecHash: FEATURE_SPEC_HASH }));
    expect(result.card.training).toMatchObject({ featureSpecHashFrom: 'command line' });
  });
});

describe('model:check refusals', () => {
  const refusal = async (spec: TreeEnsembleSpec, extra: Partial<ModelCheckRequest> = {}): Promise<string> => {
    const error: unknown = await checkExternalModel(request(writeModel(`bad-${Math.random().toString(36).slice(2)}`, spec), extra)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelContractError);
    return (error as Error).message;
  };

  it('refuses a model that does not say which feature spec it was trained on, saying how to add it', async () => {
    const message = await refusal({ ...BOOSTED, metadata: {} });
    expect(message).toContain('does not say which feature spec it was trained on');
    expect(message).toContain(`"feature_spec_hash": "${FEATURE_SPEC_HASH}"`);
  });

  it('refuses another feature spec hash, naming both', async () => {
    const message = await refusal({ ...BOOSTED, metadata: { feature_spec_hash: 'ab'.repeat(32) } });
    expect(message).toBe(`ONNX metadata feature_spec_hash abababababab… differs from this build's feature spec hash ${FEATURE_SPEC_HASH.slice(0, 12)}…`);
  });

  it('refuses feature names in another order, naming the column', async () => {
    const swapped = [...FEATURE_NAMES];
    [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!];
    const message = await refusal({ ...BOOSTED, metadata: { feature_spec_hash: FEATURE_SPEC_HASH, feature_names: JSON.stringify(swapped) } });
    expect(message).toBe(`ONNX metadata feature_names[0] is 'vehicleCrossings7d', the feature spec's column 0 is 'vehicleCrossings24h'`);
  });

  it('refuses the wrong input width, input name or a ZipMap output', async () => {
    expect(await refusal({ ...BOOSTED, featureCount: FEATURE_COUNT - 1 })).toContain(`model input 'features' has width 34, the feature spec has 35`);
    expect(await refusal({ ...BOOSTED, inputName: 'input' })).toContain(`model input is named 'input', the contract names it 'features'`);
    expect(await refusal({ ...BOOSTED, zipMap: true })).toMatch(/ZipMap.*zipmap': False/);
  });
});
