import { FEATURE_NAMES, FEATURE_SPEC_HASH, FEATURE_SPEC_VERSION } from '../features/feature-spec.ts';
import { formatIssues } from '../features/format-issues.ts';
import { MODEL_INPUT_NAME } from '../models/model-contract.ts';
import { modelCardSchema, type ModelCard } from '../models/model-card.ts';
import { MODEL_FILE } from '../models/read-card.ts';
import { COMMON_CAVEATS, ETHICAL_CONSIDERATIONS, FACTORS, INTENDED_USE } from './model-card-text.ts';

/**
 * Assembles `card.json` from what a training run or `model:check` measured, adds the sections
 * every card carries (training/model-card-text.ts), and validates it against modelCardSchema
 * before anyone writes it: a card the service would refuse is never written.
 */
export type CardMeasurements = Pick<ModelCard, 'decision' | 'metrics' | 'quantitativeAnalyses' | 'trainingData' | 'evaluationData' | 'training' | 'reference'>;

export interface CardDescription {
  readonly version: string;
  readonly name: string;
  readonly createdAt: string;
  readonly architecture: string;
  readonly framework: string;
  readonly owners?: readonly string[];
  readonly onnxSha256: string;
  readonly onnxOutputName: string;
  /** Caveats particular to this model (data source, external origin), before the common ones. */
  readonly caveats: readonly string[];
}

export function buildModelCard(description: CardDescription, measured: CardMeasurements): ModelCard {
  const card = {
    schemaVersion: 1,
    modelDetails: {
      version: description.version,
      name: description.name,
      createdAt: description.createdAt,
      architecture: description.architecture,
      framework: description.framework,
      owners: [...(description.owners ?? [])],
    },
    intendedUse: INTENDED_USE,
    factors: FACTORS,
    featureSpec: { version: FEATURE_SPEC_VERSION, hash: FEATURE_SPEC_HASH, names: [...FEATURE_NAMES] },
    onnx: { file: MODEL_FILE, sha256: description.onnxSha256, inputName: MODEL_INPUT_NAME, outputName: description.onnxOutputName },
    ...measured,
    ethicalConsiderations: [...ETHICAL_CONSIDERATIONS],
    caveats: [...description.caveats, ...COMMON_CAVEATS],
  };
  const parsed = modelCardSchema.safeParse(card);
  if (!parsed.success) throw new Error(`the model card does not validate: ${formatIssues(parsed.error.issues).join('; ')}`);
  return parsed.data;
}

/** A version string the card schema accepts: letters, digits, '.', '_' and '-'. */
export function checkModelVersion(version: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(version)) {
    throw new RangeError(`model version '${version}' may contain only letters, digits, '.', '_' and '-' (it is the folder name under models/)`);
  }
  return version;
}
