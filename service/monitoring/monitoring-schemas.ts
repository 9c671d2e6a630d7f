import { z } from 'zod';
import { FAIRNESS_METRICS } from '../../metrics/fairness.ts';
import { FAIRNESS_ATTRIBUTES, FAIRNESS_UNITS } from './audit-groups.ts';

/** Response schemas of the monitoring routes (OpenAPI at /docs is generated from them). */

const interval = z
  .object({ lower: z.number(), upper: z.number() })
  .nullable()
  .describe('Confidence interval; null when there is nothing to estimate from');

export const rateSchema = z
  .object({
    value: z.number().nullable().describe('numerator / denominator; null when the denominator is 0'),
    numerator: z.number().int(),
    denominator: z.number().int(),
    interval: interval.describe('Wilson score interval'),
  })
  .meta({ id: 'MonitoringRate' });

export const weightedEstimateSchema = z
  .object({
    value: z.number().nullable().describe('Inverse-propensity (H\u00e1jek) estimate; null when it cannot be estimated'),
    interval: interval.describe('Within one stratum of the recommendation (precision, false-omission rate): Wilson interval with the effective sample size of the weighted estimate. Across both (prevalence, recall, FNR, FPR): the range over the box of the referred share, precision and false-omission rate, each at the cube root of the confidence (conservative)'),
    rows: z.number().int().describe('Labelled decisions in the denominator'),
    weight: z.number().describe('Their summed weight: the decisions they stand for'),
  })
  .meta({ id: 'MonitoringWeightedEstimate' });

const windowSchema = z
  .object({
    from: z.iso.datetime().describe('Start of the window answered (whole hour, inclusive)'),
    to: z.iso.datetime().describe('End of the window answered (whole hour, exclusive)'),
    port: z.string().nullable(),
    model: z.string().nullable(),
  })
  .meta({ id: 'MonitoringWindow' });

const calibrationBinSchema = z.object({
  lower: z.number(),
  upper: z.number(),
  rows: z.number().int().describe('Inspected decisions with a usable label in the bin'),
  weight: z.number().describe('Their inverse-propensity weight'),
  meanPredicted: z.number(),
  observedRate: z.number(),
  interval,
});

export const performanceReportSchema = z
  .object({
    window: windowSchema,
    confidence: z.number(),
    decisions: z.number().int(),
    meanScore: z.number().nullable(),
    referralRate: rateSchema.describe('Recommended referrals (model or random) / decisions'),
    modelReferralRate: rateSchema.describe('Decisions with score >= threshold / decisions'),
    randomSelectionRate: rateSchema.describe('Randomly selected / decisions'),
    hitRates: z
      .object({
        model: rateSchema.describe('Seizures / inspections of crossings the model recommended'),
        random: rateSchema.describe('Seizures / inspections of randomly selected crossings (a uniform sample: unbiased prevalence)'),
        officer: rateSchema.describe('Seizures / inspections of crossings officers referred although the service recommended release'),
      })
      .describe('Hit rate (precision) per referral route'),
    labelCoverage: rateSchema.describe('Recommended referrals with an inspection result / recommended referrals'),
    outcomeCoverage: rateSchema.describe('Recommended referrals with any outcome recorded / recommended referrals'),
    declinedReferrals: rateSchema.describe('Recommended referrals the officer did not refer / those with an outcome'),
    officerReferrals: z.number().int(),
    randomSampleStandsFor: z.number().describe('\u03a3 1/random rate over random selections: should be close to decisions'),
    estimates: z
      .object({
        prevalence: weightedEstimateSchema,
        recall: weightedEstimateSchema,
        falseNegativeRate: weightedEstimateSchema,
        falsePositiveRate: weightedEstimateSchema,
        falseOmissionRate: weightedEstimateSchema,
        precision: weightedEstimateSchema,
        estimatedPositives: z.number().nullable().describe('Horvitz\u2013Thompson estimate of the crossings that carried contraband'),
        releasesSampled: z.boolean().describe('False when no released crossing was inspected (no random selection): recall and miss rates are then null'),
        referralsSampled: z
          .boolean()
          .describe('False when the model recommended referrals but none has an inspection result yet: prevalence, recall, FNR, FPR and precision are then null'),
        labelledRows: z.number().int(),
      })
      .describe('From the random selection with inverse-propensity weights: what the model misses'),
    calibration: z.object({
      bins: z.array(calibrationBinSchema),
      expectedCalibrationError: z.number().nullable(),
      rows: z.number().int(),
    }),
  })
  .meta({ id: 'PerformanceReport' });

const seriesPointSchema = z.object({
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  port: z.string().nullable(),
  model: z.string().nullable(),
  decisions: z.number().int(),
  referralRate: rateSchema,
  hitRates: z.object({ model: rateSchema, random: rateSchema, officer: rateSchema }),
  labelCoverage: rateSchema,
  meanScore: z.number().nullable(),
});

export const seriesReportSchema = z
  .object({
    window: windowSchema,
    step: z.enum(['hour', 'day', 'week']),
    by: z.enum(['none', 'port', 'model']),
    confidence: z.number(),
    points: z.array(seriesPointSchema).describe('Buckets with decisions, in time order (then port or model)'),
  })
  .meta({ id: 'PerformanceSeries' });

const confusionSchema = z.object({ truePositives: z.number(), falsePositives: z.number(), falseNegatives: z.number(), trueNegatives: z.number() });

const metricEstimateSchema = z.object({
  value: z.number().nullable(),
  interval,
  rows: z.number().describe('Rows in the denominator'),
  weight: z.number(),
  tooSmall: z.boolean().describe('The denominator has fewer rows than minCount'),
});

const disparitySchema = z.object({
  ratio: z.number().nullable().describe('Group metric / reference metric'),
  interval: interval.describe('Percentile bootstrap interval'),
  status: z.enum(['reference', 'within_band', 'outside_band', 'inconclusive', 'too_small', 'undefined']),
});

const perMetric = <T extends z.ZodType>(schema: T) => z.object(Object.fromEntries(FAIRNESS_METRICS.map((m) => [m, schema])) as Record<(typeof FAIRNESS_METRICS)[number], T>);

const fairnessGroupSchema = z.object({
  key: z.array(z.string()),
  group: z.record(z.string(), z.string()).describe('attribute \u2192 value'),
  label: z.string(),
  status: z.enum(['ok', 'too_small']),
  decisions: z.number().describe('Fairness units (occupants or drivers) in the group'),
  referrals: z.number().describe('Units the model recommended for referral'),
  labelled: z.number(),
  counts: z.object({
    labelledRows: confusionSchema,
    labelledWeights: confusionSchema,
    labelledWeightsSquared: confusionSchema,
    unlabelledReferred: z.number(),
    unlabelledReleased: z.number(),
  }),
  metrics: perMetric(metricEstimateSchema),
  disparities: perMetric(disparitySchema),
  flagged: z.array(z.enum(FAIRNESS_METRICS)).describe('Metrics whose disparity is outside the band with its whole interval'),
});

const outcomeTestSchema = z.object({
  groups: z.array(z.object({ label: z.string(), inspected: z.number(), hits: z.number(), hitRate: z.number() })),
  pooledHitRate: z.number().nullable(),
  chiSquare: z.number().nullable(),
  degreesOfFreedom: z.number().int(),
  pValue: z.number().nullable(),
  smallestExpectedCount: z.number().nullable(),
  caveat: z.string(),
});

const fairnessTableSchema = z.object({
  attributes: z.array(z.string()),
  reference: z.object({ key: z.array(z.string()), label: z.string(), chosenBy: z.enum(['given', 'largest']) }),
  band: z.object({ lower: z.number(), upper: z.number() }),
  confidence: z.number(),
  minimumCount: z.number(),
  replicates: z.number(),
  totals: z.object({ decisions: z.number(), referrals: z.number(), labelled: z.number() }),
  groups: z.array(fairnessGroupSchema).describe('Largest first'),
  outcomeTest: outcomeTestSchema.describe('Hit-rate (outcome) test across groups, with its infra-marginality caveat'),
});

export const fairnessReportSchema = z
  .object({
    window: windowSchema,
    unit: z.enum(FAIRNESS_UNITS),
    attributes: z.array(z.enum(FAIRNESS_ATTRIBUTES)),
    seed: z.number().int(),
    flagRule: z.string(),
    outcomeTestCaveat: z.string(),
    tables: z.array(fairnessTableSchema).describe('One per attribute, then their intersection when several are named; empty when the window has no decisions'),
  })
  .meta({ id: 'FairnessReport' });

const driftViewSchema = z.object({
  name: z.string(),
  count: z.number().describe('Live values counted'),
  psi: z.number().nullable(),
  jensenShannon: z.number().nullable().describe('Jensen\u2013Shannon distance, base 2, in [0, 1]'),
  level: z.enum(['none', 'warn', 'alert', 'insufficient_data']),
  actual: z.array(z.number()).describe('Live proportions per bin'),
  reference: z.array(z.number()).describe('Training proportions per bin (model card)'),
  edges: z.array(z.number()).describe('Interior bin edges: bin i holds [edges[i-1], edges[i])'),
  counts: z.array(z.number()).describe('Live counts per bin'),
});

export const driftReportSchema = z
  .object({
    window: windowSchema,
    model: z.string(),
    reference: z.object({ source: z.string(), trainingRows: z.number(), from: z.string().nullable(), to: z.string().nullable() }),
    count: z.number(),
    thresholds: z.object({ warn: z.number(), alert: z.number(), epsilon: z.number(), minimumCount: z.number() }),
    score: driftViewSchema,
    features: z.array(driftViewSchema).describe('Most drifted first (by PSI; too few values last)'),
    summary: z.object({ alert: z.number(), warn: z.number(), none: z.number(), insufficientData: z.number() }),
  })
  .meta({ id: 'DriftReport' });

const dimensionCount = z.object({ value: z.string(), decisions: z.number().int() });

export const dimensionsSchema = z
  .object({
    window: windowSchema,
    ports: z.array(dimensionCount).describe('Ports with decisions in the window, most first'),
    models: z.array(dimensionCount).describe('Model versions with decisions in the window, most first'),
  })
  .meta({ id: 'MonitoringDimensions' });
