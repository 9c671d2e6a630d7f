import { z } from 'zod';

/**
 * `card.json`: the model card beside each `model.onnx` in the registry (models/<version>/).
 * Written by training (tfjs models) and by `model:check` (external models); read by the
 * service (threshold, spec hash, occlusion baseline), by drift monitoring (reference
 * distributions) and by the dashboards. Sections follow Mitchell et al., "Model Cards for
 * Model Reporting" (2019). `card.md` is the same content for people.
 */

/** A fixed-bin histogram: bin i holds values in [edges[i-1], edges[i]), with -∞ and +∞ at the ends. */
export const binnedDistributionSchema = z.object({
  /** Interior cut points, ascending: k-1 of them for k bins. */
  edges: z.array(z.number()),
  /** Share of training rows per bin, summing to 1: k of them. */
  proportions: z.array(z.number().min(0).max(1)),
});

export const featureReferenceSchema = binnedDistributionSchema.extend({ name: z.string() });

export const thresholdMetricsSchema = z.object({
  /** The target rate this operating point was chosen for. */
  referralRate: z.number(),
  /** The (weighted) share the threshold refers: at most the target, as tied scores are never split (absent on older cards). */
  achievedReferralRate: z.number().min(0).max(1).optional(),
  threshold: z.number(),
  /** null when the threshold refers nothing (the top tied scores alone exceed the rate). */
  precision: z.number().nullable(),
  recall: z.number().nullable(),
  referred: z.number().int(),
});

export const reliabilityBinSchema = z.object({
  lower: z.number(),
  upper: z.number(),
  count: z.number(),
  meanPredicted: z.number(),
  observedRate: z.number(),
});

export const evaluationSchema = z.object({
  rows: z.number().int(),
  positives: z.number(),
  aucRoc: z.number(),
  aucPr: z.number(),
  atReferralRates: z.array(thresholdMetricsSchema),
  expectedCalibrationError: z.number(),
  reliability: z.array(reliabilityBinSchema),
});

/** Confusion-matrix metrics of one audit group on the holdout, at the card's threshold. */
export const groupEvaluationSchema = z.object({
  attribute: z.string(),
  group: z.string(),
  count: z.number(),
  positives: z.number(),
  referred: z.number(),
  truePositives: z.number(),
  falsePositives: z.number(),
  falseNegatives: z.number(),
  trueNegatives: z.number(),
  /** null where a denominator is zero. */
  precision: z.number().nullable(),
  recall: z.number().nullable(),
  falsePositiveRate: z.number().nullable(),
  falseNegativeRate: z.number().nullable(),
  referralRate: z.number().nullable(),
});

export const modelCardSchema = z.object({
  schemaVersion: z.literal(1),
  modelDetails: z.object({
    version: z.string().regex(/^[A-Za-z0-9._-]+$/),
    name: z.string(),
    createdAt: z.string(),
    /** e.g. "tfjs MLP 35-32-16-1 + Platt calibration", "XGBoost 1.7 via onnxmltools". */
    architecture: z.string(),
    framework: z.string(),
    owners: z.array(z.string()).default([]),
  }),
  intendedUse: z.object({
    primaryUse: z.string(),
    primaryUsers: z.array(z.string()),
    outOfScope: z.array(z.string()),
  }),
  factors: z.object({
    relevantFactors: z.array(z.string()),
    evaluationFactors: z.array(z.string()),
  }),
  featureSpec: z.object({
    version: z.number().int(),
    hash: z.string(),
    names: z.array(z.string()),
  }),
  onnx: z.object({
    file: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    inputName: z.string(),
    outputName: z.string(),
  }),
  decision: z.object({
    /** Scores at or above this are recommended for referral when no port budget applies. */
    threshold: z.number().min(0).max(1),
    /** The holdout referral rate the threshold was chosen to meet. */
    targetReferralRate: z.number().min(0).max(1),
    /** The (weighted) share of holdout crossings it refers, <= the target (absent on older cards). */
    achievedReferralRate: z.number().min(0).max(1).optional(),
  }),
  metrics: z.object({
    holdout: evaluationSchema,
    /** The logistic-regression baseline on the same holdout, when one was trained. */
    baseline: evaluationSchema.optional(),
  }),
  quantitativeAnalyses: z.object({
    groups: z.array(groupEvaluationSchema),
  }),
  trainingData: z.object({
    source: z.string(),
    from: z.string().optional(),
    to: z.string().optional(),
    rows: z.number().int(),
    positives: z.number(),
    weighting: z.string(),
  }),
  evaluationData: z.object({
    description: z.string(),
    from: z.string().optional(),
    to: z.string().optional(),
    rows: z.number().int(),
  }),
  training: z.record(z.string(), z.unknown()),
  reference: z.object({
    /** One per feature, in spec order: the training distribution drift is measured against. */
    features: z.array(featureReferenceSchema),
    score: binnedDistributionSchema,
    /** Per-feature values that stand for "typical" when a reason group is occluded (training medians). */
    baseline: z.array(z.number()),
  }),
  ethicalConsiderations: z.array(z.string()),
  caveats: z.array(z.string()),
});

export type ModelCard = z.infer<typeof modelCardSchema>;
export type BinnedDistribution = z.infer<typeof binnedDistributionSchema>;
export type FeatureReference = z.infer<typeof featureReferenceSchema>;
export type Evaluation = z.infer<typeof evaluationSchema>;
export type GroupEvaluation = z.infer<typeof groupEvaluationSchema>;
export type ThresholdMetrics = z.infer<typeof thresholdMetricsSchema>;
