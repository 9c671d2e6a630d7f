import { z } from 'zod';
import { ISO_INSTANT_PATTERN, ISO_INSTANT_RULE, parseIsoInstant } from '../../lib/iso-instant.ts';
import { textInteger } from '../http/text-number.ts';
import { PORT_CODE_PATTERN } from '../../features/crossing-event.schema.ts';
import { DEFAULT_BAND, DEFAULT_FAIRNESS_REPLICATES, DEFAULT_MINIMUM_COUNT } from '../../metrics/fairness.ts';
import { DEFAULT_DRIFT_MINIMUM_COUNT } from '../../metrics/drift.ts';
import { FAIRNESS_ATTRIBUTES, FAIRNESS_UNITS, type FairnessAttribute } from './audit-groups.ts';
import { EXPORT_ROWS } from './decision-export.ts';

/**
 * Query parameters of the monitoring routes, validated with zod. Unknown parameters are refused
 * (strict objects), and every refusal names the parameter: `from: must be an ISO 8601 date…`.
 */

export const instantParameter = z
  .string()
  .regex(ISO_INSTANT_PATTERN, { error: ISO_INSTANT_RULE })
  .transform((text, ctx) => {
    const parsed = parseIsoInstant(text);
    if ('problem' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.problem });
      return z.NEVER;
    }
    return parsed.at;
  });

const windowParameters = {
  from: instantParameter.optional().describe('Start of the window (inclusive); widened to the whole hour. Default: `to` minus the report\u2019s default span'),
  to: instantParameter.optional().describe('End of the window (exclusive); widened to the whole hour. Default: now'),
  port: z.string().regex(PORT_CODE_PATTERN, { error: 'must be a 4-digit port code' }).optional().describe('Only this port (CBP code); default all'),
  model: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'must be a model version (letters, digits, . _ -)' })
    .optional()
    .describe('Only decisions of this model version; default all (drift: the production model)'),
};

const confidence = z.coerce
  .number({ error: 'must be a number' })
  .gt(0.5, { error: 'must be greater than 0.5' })
  .lt(1, { error: 'must be less than 1' })
  .default(0.95)
  .describe('Confidence level of the intervals');

export const performanceQuerySchema = z.strictObject({ ...windowParameters, confidence });

export const seriesQuerySchema = z.strictObject({
  ...windowParameters,
  confidence,
  step: z.enum(['hour', 'day', 'week']).default('day').describe('Bucket of each point (UTC; weeks start on Thursdays, epoch-aligned)'),
  by: z.enum(['none', 'port', 'model']).default('none').describe('One series per port or per model version, or one for all'),
});

const attributeList = z
  .string()
  .transform((text) => text.split(',').map((s) => s.trim()))
  .pipe(
    z
      .array(z.enum(FAIRNESS_ATTRIBUTES))
      .min(1, { error: 'name at least one attribute' })
      .refine((list) => new Set(list).size === list.length, { error: 'names an attribute twice' }),
  );

const referenceList = z.string().transform((text, ctx) => {
  const references: Partial<Record<FairnessAttribute, string>> = {};
  for (const item of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const match = /^([A-Za-z]+)\s*[:=]\s*(.+)$/.exec(item);
    const attribute = match?.[1];
    if (match === null || attribute === undefined || !(FAIRNESS_ATTRIBUTES as readonly string[]).includes(attribute)) {
      ctx.addIssue({ code: 'custom', message: `"${item}" must be ATTRIBUTE:VALUE with ATTRIBUTE one of ${FAIRNESS_ATTRIBUTES.join(', ')}, e.g. citizenship:USA` });
      return z.NEVER;
    }
    if (references[attribute as FairnessAttribute] !== undefined) {
      ctx.addIssue({ code: 'custom', message: `names ${attribute} twice` });
      return z.NEVER;
    }
    references[attribute as FairnessAttribute] = (match[2] as string).trim();
  }
  return references;
});

const band = z.string().transform((text, ctx) => {
  const parts = text.split(',').map((s) => Number(s.trim()));
  const [lower, upper] = parts;
  if (parts.length !== 2 || lower === undefined || upper === undefined || !(lower > 0 && lower <= 1 && upper >= 1 && Number.isFinite(upper))) {
    ctx.addIssue({ code: 'custom', message: `must be LOWER,UPPER with 0 < LOWER <= 1 <= UPPER, e.g. 0.8,1.25; got "${text}"` });
    return z.NEVER;
  }
  return { lower, upper };
});


export const fairnessQuerySchema = z.strictObject({
  ...windowParameters,
  from: windowParameters.from.describe('Start of the window (inclusive); widened to the whole UTC day. Default: `to` minus 30 days'),
  to: windowParameters.to.describe('End of the window (exclusive); widened to the whole UTC day. Default: now'),
  attributes: attributeList.default(['sex', 'ageBand', 'citizenship']).describe('Comma-separated: sex, ageBand, citizenship. With several: each alone, then their intersection'),
  reference: referenceList
    .default({})
    .describe('Reference group per attribute, ATTRIBUTE:VALUE[,ATTRIBUTE:VALUE], e.g. citizenship:USA,sex:female; default each attribute\u2019s largest group'),
  unit: z.enum(FAIRNESS_UNITS).default('occupant').describe('Who counts: every occupant (each person referred), or the driver only (one per decision)'),
  band: band.default(DEFAULT_BAND).describe('Disparity band LOWER,UPPER outside which a disparity is flagged (default 0.8,1.25)'),
  minCount: textInteger(0, 1_000_000).default(DEFAULT_MINIMUM_COUNT).describe('Smallest denominator judged; smaller groups and metrics are reported as too small'),
  confidence,
  replicates: textInteger(50, 5000).default(DEFAULT_FAIRNESS_REPLICATES).describe('Bootstrap replicates for the disparity intervals'),
  seed: textInteger(0, 2 ** 31 - 1).default(1).describe('Seed of the bootstrap: the same query gives the same intervals'),
});

export const driftQuerySchema = z.strictObject({
  ...windowParameters,
  minCount: textInteger(1, 1_000_000).default(DEFAULT_DRIFT_MINIMUM_COUNT).describe('Fewest live values before a drift level is judged'),
});

export const exportQuerySchema = z.strictObject({
  ...windowParameters,
  rows: z.enum(EXPORT_ROWS).default('decision').describe('One row per decision (driver\u2019s attributes) or one per occupant'),
});
